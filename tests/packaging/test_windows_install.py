"""The built Windows installer on a real Windows (the release workflow's runner): silent install for the
current user and for all users, the installed program runs, and uninstalling keeps the user's data
unless /REMOVEUSERDATA is given.

Runs when AI4ARTSED_WINDOWS_INSTALLER names the installer. It installs into temporary folders and
removes what it installed; user data folders it checks are the runner's own (%APPDATA%, ...).
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import loopback_http
from tests.support.app_process import free_port

INSTALLER_ENV = "AI4ARTSED_WINDOWS_INSTALLER"

ON_WINDOWS = sys.platform == "win32"  # a variable: mypy would call the rest unreachable on Linux

if not ON_WINDOWS or not os.environ.get(INSTALLER_ENV):
    pytest.skip(f"Windows only, with {INSTALLER_ENV} set to the built installer", allow_module_level=True)


def installer() -> Path:
    return Path(os.environ[INSTALLER_ENV]).resolve()


def run(args: list[str]) -> int:
    return subprocess.run(args, timeout=900, check=False).returncode


def uninstall(folder: Path, *extra: str) -> None:
    # _?= runs the uninstaller in place and waits for it (otherwise it copies itself to %TEMP%,
    # returns at once and removes uninstall.exe too).
    assert run([str(folder / "uninstall.exe"), "/S", *extra, f"_?={folder}"]) == 0
    (folder / "uninstall.exe").unlink(missing_ok=True)
    if folder.exists() and not any(folder.iterdir()):
        folder.rmdir()


def user_data_dirs() -> list[Path]:
    return [
        Path(os.environ["APPDATA"]) / "AI4ArtsEd",
        Path(os.environ["LOCALAPPDATA"]) / "AI4ArtsEd",
    ]


def run_installed_once(folder: Path) -> None:
    """Starts the installed console program headless (default data folders) until it answers."""
    port = free_port()
    token = secrets.token_urlsafe(24)
    process = subprocess.Popen(
        [str(folder / "ai4artsed-cli.exe"), "--headless", f"--port={port}", f"--token={token}"],
        creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, "the installed program ended during start"
            try:
                if loopback_http.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the installed program did not answer"
            time.sleep(0.2)
    finally:
        process.send_signal(getattr(signal, "CTRL_BREAK_EVENT", signal.SIGTERM))
        process.wait(60)


def test_silent_per_user_install_runs_and_uninstall_keeps_user_data(tmp_path: Path) -> None:
    folder = tmp_path / "AI4ArtsEd"
    assert run([str(installer()), "/S", f"/D={folder}"]) == 0
    assert (folder / "ai4artsed.exe").is_file()
    assert (folder / "ai4artsed-cli.exe").is_file()
    assert (folder / "uninstall.exe").is_file()
    start_menu = Path(os.environ["APPDATA"]) / "Microsoft" / "Windows" / "Start Menu" / "Programs"
    assert (start_menu / "AI4ArtsEd.lnk").is_file()

    run_installed_once(folder)
    marker = user_data_dirs()[1] / "kept-by-uninstall.txt"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("a student's work", encoding="utf-8")

    # An update over the installed version keeps the data too.
    assert run([str(installer()), "/S", f"/D={folder}"]) == 0
    assert marker.is_file()

    uninstall(folder)
    assert not (folder / "ai4artsed.exe").exists()
    assert not (start_menu / "AI4ArtsEd.lnk").exists()
    assert marker.is_file(), "uninstalling must keep the user's data"


def test_uninstall_with_removeuserdata_deletes_the_users_folders(tmp_path: Path) -> None:
    folder = tmp_path / "AI4ArtsEd"
    assert run([str(installer()), "/S", f"/D={folder}"]) == 0
    run_installed_once(folder)
    assert any(path.exists() for path in user_data_dirs())
    uninstall(folder, "/REMOVEUSERDATA")
    assert not any(path.exists() for path in user_data_dirs())


def elevated() -> bool:
    windll = getattr(ctypes, "windll", None)
    return windll is not None and bool(windll.shell32.IsUserAnAdmin())


@pytest.mark.skipif(not elevated(), reason="needs an elevated process (the CI runner is one)")
def test_silent_all_users_install(tmp_path: Path) -> None:
    folder = tmp_path / "AllUsers" / "AI4ArtsEd"
    assert run([str(installer()), "/S", "/ALLUSERS", f"/D={folder}"]) == 0
    assert (folder / "ai4artsed.exe").is_file()
    programs = Path(os.environ["PROGRAMDATA"]) / "Microsoft" / "Windows" / "Start Menu" / "Programs"
    common_start_menu = programs / "AI4ArtsEd.lnk"
    assert common_start_menu.is_file()
    uninstall(folder)
    assert not common_start_menu.exists()
