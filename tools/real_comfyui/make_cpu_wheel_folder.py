"""Make a wheel folder for a CPU-only ComfyUI install, the way a school mirror would prepare one.

usage: make_cpu_wheel_folder.py ARCHIVE_OR_SOURCE_DIR DEST [--torch-wheel WHEEL]

The app's installer then installs from DEST (``wheel_folder``: ``uv --offline --no-index
--find-links``) with no special case. What this script does that a plain ``pip download`` cannot:

* torch: the CPU wheel given with ``--torch-wheel`` (default: the one in /opt/wheels) is copied in;
  PyPI's Linux torch pulls ~4 GB of nvidia wheels.
* torchvision / torchaudio: PyPI only has CUDA builds for Linux x86_64. They are downloaded without
  their dependencies and REPACKED (with a correct RECORD) with the two workarounds of setup.sh:
  torchvision's two unconditional fake-op registrations are guarded, torchaudio's CUDA-linked
  libraries are dropped (its pure-Python fallback is enough for ComfyUI's resampling).
* ``requests`` (imported by ComfyUI 0.3.64, not listed) and the rest of requirements.txt under
  known-good-constraints.txt, downloaded from the configured index (PyPI).

Prints the folder's size and the time it took.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TORCH = "torch==2.13.0"
TORCHVISION = "torchvision==0.28.0"
TORCHAUDIO = "torchaudio==2.11.0"
DEFAULT_TORCH_WHEEL = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")
TORCH_FAMILY = re.compile(r"^\s*(torch|torchvision|torchaudio)\s*([<>=!~;#].*)?$")
GUARD = re.compile(r'^@torch\.library\.register_fake\("(torchvision::[a-z_]+)"\)$', re.MULTILINE)


def requirements_text(source: Path) -> str:
    if source.is_dir():
        return (source / "requirements.txt").read_text(encoding="utf-8")
    with tarfile.open(source) as tar:
        for member in tar:
            if member.isfile() and member.name.count("/") <= 1 and member.name.endswith("requirements.txt"):
                extracted = tar.extractfile(member)
                assert extracted is not None
                return extracted.read().decode("utf-8")
    raise SystemExit(f"no requirements.txt in {source}")


def pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    print("+", " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def repack(wheel: Path, change: dict[str, bytes | None]) -> None:
    """Rewrites ``wheel`` in place: ``change`` maps member names to new content (None: drop)."""
    with zipfile.ZipFile(wheel) as source:
        members = {info.filename: (info, source.read(info)) for info in source.infolist()}
    record_name = next(name for name in members if name.endswith(".dist-info/RECORD"))
    out = io.BytesIO()
    lines: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, (info, data) in members.items():
            if name == record_name:
                continue
            if name in change:
                new = change[name]
                if new is None:
                    continue
                data = new
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
            lines.append(f"{name},{_record_hash(data)},{len(data)}")
        lines.append(f"{record_name},,")
        target.writestr(members[record_name][0], ("\n".join(lines) + "\n").encode())
    wheel.write_bytes(out.getvalue())


def patch_torchvision(wheel: Path) -> None:
    name = "torchvision/_meta_registrations.py"
    with zipfile.ZipFile(wheel) as source:
        text = source.read(name).decode("utf-8")
    guarded, count = GUARD.subn(
        r'@(torch.library.register_fake("\1") if torchvision.extension._has_ops() else (lambda f: f))', text
    )
    print(f"torchvision: guarded {count} fake registrations", file=sys.stderr)
    repack(wheel, {name: guarded.encode("utf-8")})


def patch_torchaudio(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as source:
        dropped = [n for n in source.namelist() if n.startswith("torchaudio/lib/") and n.endswith(".so")]
    print(f"torchaudio: dropping {len(dropped)} CUDA-linked libraries", file=sys.stderr)
    repack(wheel, dict.fromkeys(dropped))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path, help="ComfyUI source archive (.tar.gz) or folder")
    parser.add_argument("dest", type=Path)
    parser.add_argument("--torch-wheel", type=Path, default=DEFAULT_TORCH_WHEEL)
    args = parser.parse_args()
    started = time.monotonic()
    dest: Path = args.dest
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(args.torch_wheel, dest / args.torch_wheel.name)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        requirements = work / "requirements.txt"
        lines = [line for line in requirements_text(args.source).splitlines() if not TORCH_FAMILY.match(line)]
        requirements.write_text("\n".join([*lines, "requests"]) + "\n", encoding="utf-8")
        constraints = work / "constraints.txt"
        constraints.write_text(
            (HERE / "known-good-constraints.txt").read_text(encoding="utf-8") + f"\n{TORCH}\n{TORCHVISION}\n",
            encoding="utf-8",
        )
        # torch's own dependencies (filelock, sympy, ...) come with it; the CPU wheel is in find-links.
        pip("download", "--dest", str(dest), "--find-links", str(dest), "-c", str(constraints), TORCH)
        pip("download", "--dest", str(dest), "-c", str(constraints), "-r", str(requirements))
        downloads = work / "torch-family"
        pip("download", "--no-deps", "--dest", str(downloads), TORCHVISION, TORCHAUDIO)
        for wheel in downloads.glob("*.whl"):
            if wheel.name.startswith("torchvision-"):
                patch_torchvision(wheel)
            elif wheel.name.startswith("torchaudio-"):
                patch_torchaudio(wheel)
            shutil.move(str(wheel), dest / wheel.name)
    size = sum(path.stat().st_size for path in dest.glob("*"))
    print(
        f"wheel folder {dest}: {len(list(dest.glob('*')))} files, {size / 1e6:.0f} MB, "
        f"{time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
