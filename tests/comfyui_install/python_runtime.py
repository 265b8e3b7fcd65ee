"""A python-build-standalone-shaped ``install_only`` archive made from this machine's CPython.

The real archives (what ``uv python install`` downloads) hold one top folder ``python/`` with
``bin/`` (``python3.X`` and the ``python3``/``python`` links), ``lib/`` (``libpython3.X.so``, the
standard library) and ``include/``; their interpreter finds its shared library through an
``$ORIGIN``-relative RUNPATH, so the folder can be moved. This double has the same layout from the
tests' shared-library CPython, trimmed to what a venv needs (no site-packages, tests, IDLE, Tk), and
its RUNPATH is rewritten in place to ``$ORIGIN/../lib`` (the string is shorter, padded with NULs), so
the unpacked copy loads its own ``libpython``, not the original's.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import sysconfig
import tarfile
from pathlib import Path

SKIPPED = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "__pycache__", "lib2to3", "ensurepip"}


def source_prefix() -> Path:
    return Path(sys.base_prefix)


def runtime_version() -> str:
    return ".".join(str(part) for part in sys.version_info[:3])


def _relocatable(binary: bytes, old: str) -> bytes:
    old_bytes = old.encode() + b"\0"
    new_bytes = b"$ORIGIN/../lib\0"
    if old_bytes not in binary or len(new_bytes) > len(old_bytes):
        return binary
    return binary.replace(old_bytes, new_bytes.ljust(len(old_bytes), b"\0"))


def make_runtime_archive(target: Path) -> str:
    """Writes ``cpython-<version>-install_only.tar.gz`` style archive to ``target``; returns its sha256."""
    prefix = source_prefix()
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        raise RuntimeError("needs a shared-library CPython (pyenv builds with --enable-shared)")
    minor = f"python{sys.version_info.major}.{sys.version_info.minor}"
    libdir = str(prefix / "lib")
    with tarfile.open(target, "w:gz", compresslevel=1) as tar:

        def add_file(path: Path, name: str) -> None:
            info = tar.gettarinfo(str(path), name)
            data = path.read_bytes()
            if path.name.startswith(("python3", "libpython")) and not path.is_symlink():
                data = _relocatable(data, libdir)
            info.size = len(data)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))

        def add_tree(folder: Path, name: str) -> None:
            for path in sorted(folder.iterdir()):
                if path.name in SKIPPED or path.suffix == ".pyc":
                    continue
                member = f"{name}/{path.name}"
                if path.is_symlink():
                    tar.add(str(path), member, recursive=False)
                elif path.is_dir():
                    tar.add(str(path), member, recursive=False)
                    add_tree(path, member)
                elif path.is_file():
                    add_file(path, member)

        tar.add(str(prefix), "python", recursive=False)
        tar.add(str(prefix / "bin"), "python/bin", recursive=False)
        for name in (minor, "python3", "python"):
            path = prefix / "bin" / name
            if path.is_symlink():
                tar.add(str(path), f"python/bin/{name}", recursive=False)
            else:
                add_file(path, f"python/bin/{name}")
        tar.add(str(prefix / "lib"), "python/lib", recursive=False)
        for path in sorted((prefix / "lib").iterdir()):
            if path.name.startswith("libpython"):
                if path.is_symlink():
                    tar.add(str(path), f"python/lib/{path.name}", recursive=False)
                else:
                    add_file(path, f"python/lib/{path.name}")
        tar.add(str(prefix / "lib" / minor), f"python/lib/{minor}", recursive=False)
        add_tree(prefix / "lib" / minor, f"python/lib/{minor}")
        tar.add(
            str(prefix / "lib" / minor / "site-packages"),
            f"python/lib/{minor}/site-packages",
            recursive=False,
        )
        tar.add(str(prefix / "include"), "python/include")
    return hashlib.sha256(target.read_bytes()).hexdigest()


if __name__ == "__main__":
    import time

    started = time.monotonic()
    out = Path(sys.argv[1])
    digest = make_runtime_archive(out)
    print(
        json.dumps({"sha256": digest, "bytes": out.stat().st_size, "s": round(time.monotonic() - started, 1)})
    )
