"""The app window (pywebview): Qt WebEngine via PySide6 on Linux, WebView2 on Windows, WKWebView on macOS."""

from __future__ import annotations

import ctypes.util
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

WINDOW_TITLE = "AI4ArtsEd"


class NoWindowAvailable(Exception):
    """No GUI can be shown here; the message says why in plain words."""


class WindowBridge:
    """Methods the page can call as ``window.pywebview.api.<name>()``."""

    def __init__(self, on_ui_ready: Callable[[], None]) -> None:
        self._on_ui_ready = on_ui_ready

    def ui_ready(self) -> bool:
        # The web app calls this once its shell is on screen: proof that the window shows the app.
        self._on_ui_ready()
        return True


def check_display() -> None:
    """Refuses early where Qt would abort the whole process instead of raising an error."""
    if not sys.platform.startswith("linux"):
        return
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal") or platform.startswith("wayland"):
        return
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise NoWindowAvailable("no display was found (DISPLAY and WAYLAND_DISPLAY are not set)")
    if not os.environ.get("WAYLAND_DISPLAY") and ctypes.util.find_library("xcb-cursor") is None:
        raise NoWindowAvailable(
            "the system library libxcb-cursor0 is missing (install it, e.g. 'apt install libxcb-cursor0')"
        )


def run_window(url: str, icon: Path, on_ui_ready: Callable[[], None], stop_requested: threading.Event) -> None:
    """Shows the window and blocks until it is closed or a stop is requested (e.g. SIGTERM)."""
    check_display()
    try:
        import webview
    except Exception as exc:  # a broken GUI installation must not stop the app
        raise NoWindowAvailable(f"the window component could not be loaded ({exc})") from exc

    window = webview.create_window(
        WINDOW_TITLE,
        url,
        width=1360,
        height=880,
        min_size=(960, 640),
        js_api=WindowBridge(on_ui_ready),
        text_select=True,
    )

    def close_on_stop() -> None:
        stop_requested.wait()
        try:
            window.destroy()
        except Exception:  # already closed by the user
            log.debug("window was already closed")

    gui = "qt" if sys.platform.startswith("linux") else None
    try:
        webview.start(
            close_on_stop,
            gui=gui,
            icon=str(icon) if icon.is_file() else None,
            private_mode=True,
        )
    except Exception as exc:
        raise NoWindowAvailable(f"the window could not be opened ({exc})") from exc
    finally:
        # The user closed the window (or a stop was requested): let the helper thread end too.
        stop_requested.set()
