"""The real desktop window (Qt WebEngine, offscreen) shows the app and closes cleanly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.app_process import start_app

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
