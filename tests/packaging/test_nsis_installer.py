"""The Windows installer script compiles with makensis against a small stand-in payload.

The real payload (the PyInstaller folder built on Windows) comes from the release workflow; this test
keeps the script from rotting. With 7-Zip present, the compiled installer's contents are listed too.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from server import __version__
from tests.support.app_process import REPO_ROOT

SCRIPT = REPO_ROOT / "build" / "windows" / "installer.nsi"
MAKENSIS = shutil.which("makensis")
SEVEN_ZIP = shutil.which("7z")

pytestmark = pytest.mark.skipif(
    MAKENSIS is None, reason="makensis is missing (Debian package 'nsis'; make test installs it as root)"
)


def dummy_payload(folder: Path) -> Path:
    """The shape of PyInstaller's Windows output: two programs and an _internal folder."""
    (folder / "_internal" / "web" / "dist").mkdir(parents=True)
    (folder / "ai4artsed.exe").write_bytes(b"MZ stand-in window program")
    (folder / "ai4artsed-cli.exe").write_bytes(b"MZ stand-in console program")
    (folder / "_internal" / "LICENSE").write_text("EUPL-1.2", encoding="utf-8")
    (folder / "_internal" / "web" / "dist" / "index.html").write_text("<div id=app></div>", encoding="utf-8")
    return folder


def tiny_icon(path: Path) -> Path:
    """A valid 16x16 32-bit .ico (one BMP image), so the icon branch of the script is compiled too."""
    size = 16
    pixels = bytes([0x33, 0x46, 0xB8, 0xFF]) * size * size  # BGRA
    and_mask = bytes(4 * size)  # 16 rows of 32 bits (rows padded to 4 bytes)
    header = struct.pack(
        "<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, len(pixels) + len(and_mask), 0, 0, 0, 0
    )
    image = header + pixels + and_mask
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 22)
    directory = struct.pack("<HHH", 0, 1, 1) + entry
    path.write_bytes(directory + image)
    return path


def compile_installer(out_file: Path, payload: Path, **defines: str) -> subprocess.CompletedProcess[str]:
    assert MAKENSIS is not None
    args = [MAKENSIS, "-V2", "-WX", f"-DVERSION={__version__}", f"-DPAYLOAD_DIR={payload}"]
    args += [f"-DOUTFILE={out_file}", *(f"-D{name}={value}" for name, value in defines.items())]
    env = {**os.environ, "LANG": "C.UTF-8"}
    return subprocess.run([*args, str(SCRIPT)], capture_output=True, text=True, timeout=300, env=env)


def listing(installer: Path) -> str:
    assert SEVEN_ZIP is not None
    result = subprocess.run([SEVEN_ZIP, "l", str(installer)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_installer_compiles_with_the_payload_and_version(tmp_path: Path) -> None:
    out_file = tmp_path / f"AI4ArtsEd-{__version__}-windows-x64-setup.exe"
    result = compile_installer(out_file, dummy_payload(tmp_path / "payload"))
    assert result.returncode == 0, result.stdout + result.stderr
    data = out_file.read_bytes()
    assert data[:2] == b"MZ"
    # The version resource (UTF-16) carries the app's version for Windows' file properties.
    assert __version__.encode("utf-16-le") in data
    assert "AI4ArtsEd".encode("utf-16-le") in data
    print(f"NSIS installer for the stand-in payload: {len(data) / 1024:.0f} KiB")
    if SEVEN_ZIP is not None:
        contents = listing(out_file)
        for name in ("ai4artsed.exe", "ai4artsed-cli.exe", "_internal/web/dist/index.html", "uninstall.exe"):
            assert name in contents, contents
        assert "MicrosoftEdgeWebview2Setup.exe" not in contents


def test_a_given_webview2_bootstrapper_and_icon_are_built_in(tmp_path: Path) -> None:
    bootstrapper = tmp_path / "MicrosoftEdgeWebview2Setup.exe"
    # Microsoft's bootstrapper cannot be downloaded here; random bytes stand in for it.
    bootstrapper.write_bytes(b"MZ" + os.urandom(256 * 1024))
    plain = tmp_path / "plain.exe"
    with_extras = tmp_path / "with-webview2.exe"
    payload = dummy_payload(tmp_path / "payload")
    assert compile_installer(plain, payload).returncode == 0
    result = compile_installer(
        with_extras,
        payload,
        WEBVIEW2_BOOTSTRAPPER=str(bootstrapper),
        APP_ICON=str(tiny_icon(tmp_path / "icon.ico")),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Incompressible bytes: the installer grows by about the bootstrapper's size.
    assert with_extras.stat().st_size - plain.stat().st_size > 200 * 1024
    if SEVEN_ZIP is not None:
        assert "MicrosoftEdgeWebview2Setup.exe" in listing(with_extras)


def test_a_payload_without_the_program_is_refused_with_a_reason(tmp_path: Path) -> None:
    payload = dummy_payload(tmp_path / "payload")
    (payload / "ai4artsed.exe").unlink()
    result = compile_installer(tmp_path / "setup.exe", payload)
    assert result.returncode != 0
    assert "ai4artsed.exe is missing" in result.stdout + result.stderr
