"""The app window (pywebview): Qt WebEngine via PySide6 on Linux, WebView2 on Windows, WKWebView on macOS."""

from __future__ import annotations

import ctypes.util
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from server.window_focus import WindowFocus

log = logging.getLogger(__name__)

WINDOW_TITLE = "AI4ArtsEd"


class WindowUnavailableError(Exception):
    """No GUI can be shown here; the message says why in plain words."""


# The web app marks its root element once the shell and its data are on screen. The check runs
# through run_js: pywebview's evaluate_js and js_api rely on eval, which our CSP forbids.
_APP_READY_CHECK = "document.querySelector('[data-app-ready=\"true\"]') ? 'ready' : ''"
UI_READY_TIMEOUT_S = 60.0


def check_display() -> None:
    """Refuses early where Qt would abort the whole process instead of raising an error."""
    if not sys.platform.startswith("linux"):
        return
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal") or platform.startswith("wayland"):
        return
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise WindowUnavailableError("no display was found (DISPLAY and WAYLAND_DISPLAY are not set)")
    if not os.environ.get("WAYLAND_DISPLAY") and ctypes.util.find_library("xcb-cursor") is None:
        raise WindowUnavailableError(
            "the system library libxcb-cursor0 is missing (install it, e.g. 'apt install libxcb-cursor0')"
        )


def run_window(
    url: str,
    icon: Path,
    on_ui_ready: Callable[[], None],
    stop_requested: threading.Event,
    focus: WindowFocus | None = None,
) -> None:
    """Shows the window and blocks until it is closed or a stop is requested (e.g. SIGTERM)."""
    check_display()
    try:
        import webview
    except Exception as exc:  # a broken GUI installation must not stop the app
        raise WindowUnavailableError(f"the window component could not be loaded ({exc})") from exc

    # A student's "download" of a picture or sound opens the system's save dialog.
    webview.settings["ALLOW_DOWNLOADS"] = True
    window = webview.create_window(
        WINDOW_TITLE,
        url,
        width=1360,
        height=880,
        min_size=(960, 640),
        text_select=True,
    )
    if window is None:
        raise WindowUnavailableError("the window could not be created")

    def report_when_ui_ready() -> None:
        if not window.events.loaded.wait(UI_READY_TIMEOUT_S):
            log.warning("the window did not finish loading the page within %.0f s", UI_READY_TIMEOUT_S)
            return
        deadline = time.monotonic() + UI_READY_TIMEOUT_S
        while not stop_requested.is_set() and time.monotonic() < deadline:
            try:
                if window.run_js(_APP_READY_CHECK) == "ready":
                    on_ui_ready()
                    return
            except Exception:  # the page may be navigating; try again
                log.debug("ui readiness check failed", exc_info=True)
            time.sleep(0.05)
        log.warning("the app did not appear in the window within %.0f s", UI_READY_TIMEOUT_S)

    def bring_to_front() -> None:
        # Un-minimise, then on top for a moment: window managers refuse a plain "activate" from
        # another process, but let a window raise itself this way (where the platform allows it).
        window.restore()
        window.show()
        window.on_top = True
        window.on_top = False

    def close_on_stop() -> None:
        if focus is not None:
            focus.on_request(bring_to_front)
        threading.Thread(target=report_when_ui_ready, name="ui-ready", daemon=True).start()
        stop_requested.wait()
        try:
            window.destroy()
        except Exception:  # already closed by the user
            log.debug("window was already closed")

    try:
        webview.start(
            close_on_stop,
            gui="qt" if sys.platform.startswith("linux") else None,
            icon=str(icon) if icon.is_file() else None,
            private_mode=True,
        )
    except Exception as exc:
        raise WindowUnavailableError(f"the window could not be opened ({exc})") from exc
    finally:
        if focus is not None:
            focus.on_request(None)
        # The user closed the window (or a stop was requested): let the helper thread end too.
        stop_requested.set()
