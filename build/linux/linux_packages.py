"""Builds the Linux packages from the PyInstaller folder: a .tar.gz and a .deb.

    .venv/bin/python build/linux/linux_packages.py [--bundle build/dist/ai4artsed] [--out build/dist]

The .deb installs the program into /opt/ai4artsed with a launcher in /usr/bin, a desktop entry and
icons; its dependencies are worked out by dpkg-shlibdeps from the bundled binaries (the platform
libraries the spec leaves to the system). Its maintainer scripts only manage an AppArmor profile
for Chromium's sandbox (needed on Ubuntu 24.04 and later) and never touch anyone's data.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from server import __version__  # noqa: E402

PACKAGE = "ai4artsed"
INSTALL_DIR = f"/opt/{PACKAGE}"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
MAINTAINER = "AI4ArtsEd <info@ai4artsed.org>"
HOMEPAGE = "https://github.com/ai4artsed"
# Not found by dpkg-shlibdeps: loaded at run time (fonts for the UI and the attitudes' emoji icons;
# xdg-utils opens the browser when no window can be shown).
RECOMMENDS = "fonts-noto-color-emoji, fonts-dejavu-core | fonts-freefont-ttf, xdg-utils"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bundle", type=Path, default=ROOT / "build" / "dist" / PACKAGE)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "work" / "linux")
    parser.add_argument("--no-deb", action="store_true", help="only the .tar.gz (no dpkg tools needed)")
    parser.add_argument(
        "--fast",
        action="store_true",
        help="quick compression for trying things out (the .deb about 20%% larger, built 20x faster)",
    )
    args = parser.parse_args()

    bundle = args.bundle.resolve()
    if not (bundle / PACKAGE).is_file():
        raise SystemExit(f"{bundle / PACKAGE} is missing: build the bundle first (make dist does it)")
    args.out.mkdir(parents=True, exist_ok=True)
    icons = render_icons(bundle, args.work / "icons")
    tarball = build_tarball(bundle, icons, args.out, level=1 if args.fast else 6)
    print(f"{tarball}: {tarball.stat().st_size / 1e6:.1f} MB")
    if not args.no_deb:
        compression = ["-Zzstd", "-z9"] if args.fast else ["-Zxz", "-z6"]
        deb = build_deb(bundle, icons, args.work / "deb", args.out, compression)
        print(f"{deb}: {deb.stat().st_size / 1e6:.1f} MB")


# --- shared pieces ---------------------------------------------------------------------------------


def render_icons(bundle: Path, folder: Path) -> dict[int, Path]:
    """The app icon in the sizes of the hicolor theme, scaled with Qt (already in the build env)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    source = bundle / "_internal" / "desktop" / "assets" / "icon.png"
    image = QImage(str(source))
    if image.isNull():
        raise SystemExit(f"{source} is not a readable PNG image")
    folder.mkdir(parents=True, exist_ok=True)
    icons = {}
    for size in ICON_SIZES:
        target = folder / f"{size}.png"
        scaled = image.scaled(
            size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        if not scaled.save(str(target), "PNG"):
            raise SystemExit(f"could not write {target}")
        icons[size] = target
    return icons


def desktop_entry(exec_command: str) -> str:
    template = (HERE / "ai4artsed.desktop").read_text(encoding="utf-8")
    return template.replace("@EXEC@", exec_command)


def _tar_info_filter(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # Files belong to whoever unpacks them, not to the build machine's user.
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def build_tarball(bundle: Path, icons: dict[int, Path], out: Path, level: int) -> Path:
    """A folder to unpack anywhere and start with ./ai4artsed (symlinks kept; PyInstaller uses them)."""
    top = f"{PACKAGE}-{__version__}"
    target = out / f"{PACKAGE}-{__version__}-linux-{platform.machine()}.tar.gz"
    with tempfile.TemporaryDirectory() as folder:
        extras = Path(folder)
        (extras / f"{PACKAGE}.desktop").write_text(desktop_entry(f"{PACKAGE}"), encoding="utf-8")
        with tarfile.open(target, "w:gz", compresslevel=level) as archive:
            archive.add(bundle, arcname=top, filter=_tar_info_filter)
            archive.add(extras / f"{PACKAGE}.desktop", arcname=f"{top}/share/{PACKAGE}.desktop")
            archive.add(icons[256], arcname=f"{top}/share/{PACKAGE}.png", filter=_tar_info_filter)
            archive.add(HERE / "INSTALL-linux.txt", arcname=f"{top}/INSTALL.txt", filter=_tar_info_filter)
    return target


# --- .deb --------------------------------------------------------------------------------------------


def build_deb(bundle: Path, icons: dict[int, Path], work: Path, out: Path, compression: list[str]) -> Path:
    for tool in ("dpkg-deb", "dpkg-shlibdeps", "dpkg"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: install the Debian packages dpkg and dpkg-dev")
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True)
    architecture = arch.stdout.strip()
    stage = work / f"{PACKAGE}_{__version__}_{architecture}"
    if stage.exists():
        shutil.rmtree(stage)
    app_dir = stage / INSTALL_DIR.lstrip("/")
    shutil.copytree(bundle, app_dir, symlinks=True)

    launcher = stage / "usr" / "bin" / PACKAGE
    launcher.parent.mkdir(parents=True)
    launcher.write_text(f'#!/bin/sh\nexec {INSTALL_DIR}/{PACKAGE} "$@"\n', encoding="utf-8")
    launcher.chmod(0o755)

    share = stage / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    (share / "applications" / f"{PACKAGE}.desktop").write_text(desktop_entry(PACKAGE), encoding="utf-8")
    for size, icon in icons.items():
        folder = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copyfile(icon, folder / f"{PACKAGE}.png")
    (share / "metainfo").mkdir()
    metainfo = (HERE / "ai4artsed.metainfo.xml").read_text(encoding="utf-8")
    (share / "metainfo" / "org.ai4artsed.desktop.metainfo.xml").write_text(
        metainfo.replace("@VERSION@", __version__).replace("@DATE@", build_date()), encoding="utf-8"
    )
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(copyright_text(), encoding="utf-8")
    (share / PACKAGE).mkdir()
    shutil.copyfile(HERE / "apparmor-profile", share / PACKAGE / "apparmor-profile")

    debian = stage / "DEBIAN"
    debian.mkdir()
    for script in ("postinst", "postrm"):
        shutil.copyfile(HERE / "debian" / script, debian / script)
        (debian / script).chmod(0o755)
    depends = shlib_depends(stage)
    installed_kib = sum(
        path.lstat().st_size for path in stage.rglob("*") if not path.is_dir() and "DEBIAN" not in path.parts
    )
    (debian / "control").write_text(
        control_text(architecture, depends, installed_kib // 1024 + 1), encoding="utf-8"
    )
    (debian / "md5sums").write_text(md5sums(stage), encoding="utf-8")
    normalise_permissions(stage)

    target = out / f"{PACKAGE}_{__version__}_{architecture}.deb"
    subprocess.run(
        # xz: the smallest download, readable by every dpkg; zstd (--fast) needs Debian 12 or
        # Ubuntu 22.04, which the libc6 dependency asks for anyway.
        ["dpkg-deb", "--root-owner-group", *compression, "--build", str(stage), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return target


def shlib_depends(stage: Path) -> str:
    """Depends from dpkg-shlibdeps: the system packages of every library the bundle leaves out."""
    app_dir = stage / INSTALL_DIR.lstrip("/")
    binaries = [str(path) for path in sorted(app_dir.rglob("*")) if _is_elf(path)]
    private = [app_dir / "_internal", app_dir / "_internal" / "PySide6" / "Qt" / "lib"]
    with tempfile.TemporaryDirectory() as folder:
        # dpkg-shlibdeps wants a debian/control with a binary package to run in.
        (Path(folder) / "debian").mkdir()
        (Path(folder) / "debian" / "control").write_text(
            f"Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n", encoding="utf-8"
        )
        result = subprocess.run(
            [
                "dpkg-shlibdeps",
                "-O",
                "--ignore-missing-info",
                *(f"-l{path}" for path in private),
                "-e",
                *binaries,
            ],
            cwd=folder,
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise SystemExit(f"dpkg-shlibdeps failed:\n{result.stderr}")
    match = re.search(r"^shlibs:Depends=(.*)$", result.stdout, re.MULTILINE)
    if match is None:
        raise SystemExit(f"dpkg-shlibdeps gave no dependencies:\n{result.stdout}\n{result.stderr}")
    return match.group(1).strip()


def build_date() -> str:
    """The release date: SOURCE_DATE_EPOCH (reproducible builds) or today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


def _is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def control_text(architecture: str, depends: str, installed_kib: int) -> str:
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {__version__}\n"
        f"Architecture: {architecture}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {depends}\n"
        f"Recommends: {RECOMMENDS}\n"
        "Section: education\n"
        "Priority: optional\n"
        f"Homepage: {HOMEPAGE}\n"
        "Description: art education with generative AI, every transformation visible\n"
        " AI4ArtsEd turns a student's idea into an image, sound, music or video. An\n"
        " artistic attitude (Dada, Bauhaus, Haiku, ...) transforms the idea first, openly\n"
        " and editably, so a class can discuss what the machine did. Local generation\n"
        " through ComfyUI or cloud services; safety settings for ages 8 to 18.\n"
    )


def copyright_text() -> str:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    return (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: AI4ArtsEd Desktop\n\n"
        "Files: *\nLicense: EUPL-1.2\n\n"
        "Files: opt/ai4artsed/_internal/PySide6/*\nLicense: LGPL-3.0-only\n"
        " Qt and Qt for Python (PySide6), https://www.qt.io/licensing/\n\n"
        "License: EUPL-1.2\n" + "".join(f" {line}\n" if line else " .\n" for line in licence.splitlines())
    )


def md5sums(stage: Path) -> str:
    lines = []
    for path in sorted(stage.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.relative_to(stage).parts[0] == "DEBIAN":
            continue
        digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
        lines.append(f"{digest}  {path.relative_to(stage).as_posix()}\n")
    return "".join(lines)


def normalise_permissions(stage: Path) -> None:
    """0755 for folders and programs, 0644 for the rest (whatever the build machine's umask was)."""
    for path in [stage, *stage.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        executable = path.is_dir() or bool(mode & stat.S_IXUSR)
        path.chmod(0o755 if executable else 0o644)


if __name__ == "__main__":
    main()
