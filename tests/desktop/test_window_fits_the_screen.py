"""The real window under a real window manager (Xvfb + openbox) on a 1366x768 school laptop screen:
the first window fits the screen's work area, its size and position are remembered, and a remembered
placement that no longer fits the screens is not used."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop.test_window_smoke import UI_READY_LINE, window_env
from tests.support.app_process import start_app

pytestmark = pytest.mark.desktop

SCREEN = (1366, 768)


@pytest.fixture
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None or shutil.which("openbox") is None or shutil.which("xwininfo") is None:
        pytest.skip("needs Xvfb, openbox and xwininfo (build/system_packages.sh installs them)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as numbers:
        name = f":{numbers.readline().strip()}"
    manager = subprocess.Popen(
        ["openbox", "--sm-disable"], env={**os.environ, "DISPLAY": name}, stderr=subprocess.DEVNULL
    )
    try:
        yield name
    finally:
        for process in (manager, server):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _frame(display: str) -> tuple[int, int, int, int]:
    """The app window's outer rectangle (x, y, width, height) as the window manager placed it."""
    deadline = time.monotonic() + 30
    while True:
        tree = subprocess.run(
            ["xwininfo", "-root", "-tree"],
            env={**os.environ, "DISPLAY": display},
            capture_output=True,
            text=True,
        ).stdout
        # openbox's frame is the parent of the client; the client line names the title.
        match = re.search(r'"AI4ArtsEd":.*?(\d+)x(\d+)\+(-?\d+)\+(-?\d+)\s+\+(-?\d+)\+(-?\d+)', tree)
        if match:
            width, height, _, _, x, y = (int(group) for group in match.groups())
            return x, y, width, height
        assert time.monotonic() < deadline, tree[-2000:]
        time.sleep(0.3)


def _env(display: str) -> dict[str, str]:
    return {**window_env(), "QT_QPA_PLATFORM": "xcb", "DISPLAY": display}


def test_the_window_fits_the_screen_and_remembers_its_place(tmp_path: Path, display: str) -> None:
    data = tmp_path / "data"
    app = start_app(data, headless=False, env=_env(display), wait_for=UI_READY_LINE, timeout=120)
    try:
        x, y, width, height = _frame(display)
        assert y >= 0 and y + height <= SCREEN[1], (x, y, width, height)
        assert x >= 0 and x + width <= SCREEN[0], (x, y, width, height)
        assert height >= 600, "a sensible size, not a tiny window"
    finally:
        assert app.stop(timeout=60) == 0, app.output()
    remembered_file = data / "config" / "window.json"
    remembered = json.loads(remembered_file.read_text("utf-8"))
    assert remembered["height"] + 0 <= SCREEN[1]

    # A place remembered from a larger second screen that is gone: not used, the window fits again.
    remembered_file.write_text(json.dumps({"x": 2000, "y": 100, "width": 1800, "height": 1000}), "utf-8")
    app = start_app(data, headless=False, env=_env(display), wait_for=UI_READY_LINE, timeout=120)
    try:
        x, y, width, height = _frame(display)
        assert x >= 0 and x + width <= SCREEN[0] and y >= 0 and y + height <= SCREEN[1], (x, y, width, height)
    finally:
        assert app.stop(timeout=60) == 0, app.output()
