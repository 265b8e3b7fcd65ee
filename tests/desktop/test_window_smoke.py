"""The real desktop window (Qt WebEngine, offscreen) shows the app and closes cleanly."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.app_process import REPO_ROOT, app_command, start_app

pytestmark = pytest.mark.desktop

UI_READY_LINE = "window shows the app"


def window_env() -> dict[str, str]:
    env = {"QT_QPA_PLATFORM": "offscreen"}
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox cannot run as root; CI runs as root.
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    return env


def test_window_shows_the_app_and_exits_0_on_close(tmp_path: Path) -> None:
    app = start_app(tmp_path / "data", headless=False, env=window_env(), wait_for=UI_READY_LINE, timeout=120)
    try:
        output = app.output()
        assert "is running at" not in output, "the window must be used, not the headless fallback"
        assert "cannot open its own window" not in output
    finally:
        code = app.stop(timeout=60)
    assert code == 0, app.output()
    assert "stopped" in app.output()


def test_without_a_display_the_app_says_so_and_serves_headless(tmp_path: Path) -> None:
    env = {"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    with start_app(tmp_path / "data", headless=False, env=env, wait_for="is running at") as app:
        assert "cannot open its own window: no display was found" in app.output()
    assert app.process.returncode == 0


def test_a_second_start_brings_the_window_of_the_first_to_the_front(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = start_app(data, headless=False, env=window_env(), wait_for=UI_READY_LINE, timeout=120)
    try:
        second = subprocess.run(
            [*app_command(), f"--data-dir={data}"],
            cwd=REPO_ROOT,
            env={**os.environ, **window_env()},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 3, second.stderr
        assert "already running with this data folder" in second.stderr
        assert "Its window was brought to the front." in second.stderr
        deadline = time.monotonic() + 30
        while "bringing it to the front" not in app.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "bringing it to the front" in app.output()
        assert "could not bring the window to the front" not in app.output()
        assert app.process.poll() is None
    finally:
        code = app.stop(timeout=60)
    assert code == 0, app.output()


def test_the_projector_opens_in_a_second_window_signed_in_on_the_projector_page(tmp_path: Path) -> None:
    app = start_app(tmp_path / "data", headless=False, env=window_env(), wait_for=UI_READY_LINE, timeout=120)
    try:
        with app.client() as client:
            first = client.post("/api/classroom/projector-window")
            assert first.status_code == 200, first.text
            assert first.json() == {"opened": True}
            deadline = time.monotonic() + 120
            while "projector window shows" not in app.output() and time.monotonic() < deadline:
                time.sleep(0.2)
            # Asked again, the same window comes to the front instead of a second one.
            assert client.post("/api/classroom/projector-window").json() == {"opened": True}
        output = app.output()
        # Signed in through its own launch link (the exchange ends on the page, not the expired-link page).
        assert "projector window shows /projector" in output
        assert output.count("projector window shows") == 1
        assert app.token not in output
    finally:
        code = app.stop(timeout=60)
    assert code == 0, app.output()
