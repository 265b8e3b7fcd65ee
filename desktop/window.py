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

from desktop import window_geometry
from server.projector_window import ProjectorWindow
from server.window_focus import WindowFocus

log = logging.getLogger(__name__)

WINDOW_TITLE = "AI4ArtsEd"
PROJECTOR_TITLE = "AI4ArtsEd – Projektor / Projector"
PROJECTOR_SIZE = (1280, 720)


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
    config_dir: Path | None = None,
    projector: tuple[ProjectorWindow, str] | None = None,
) -> None:
    """Shows the window and blocks until it is closed or a stop is requested (e.g. SIGTERM).
    ``config_dir``: where the window's last size and position are remembered. ``projector``: the
    hook the teacher's "show on the projector" asks, and the launch link of the projector page."""
    check_display()
    try:
        import webview
    except Exception as exc:  # a broken GUI installation must not stop the app
        raise WindowUnavailableError(f"the window component could not be loaded ({exc})") from exc

    # A student's "download" of a picture or sound opens the system's save dialog.
    webview.settings["ALLOW_DOWNLOADS"] = True
    areas = _work_areas(webview)
    saved = window_geometry.load(config_dir) if config_dir is not None else None
    placement = window_geometry.choose(saved, areas)
    width, height = window_geometry.PREFERRED
    minimum = window_geometry.MINIMUM
    x: int | None = None
    y: int | None = None
    if placement is not None:
        width, height, x, y = placement.width, placement.height, placement.x, placement.y
    if areas:
        minimum = window_geometry.minimum_for(areas[0])
    log.info("window opens at %dx%d (work area %s)", width, height, areas[0] if areas else "unknown")
    window = webview.create_window(
        WINDOW_TITLE,
        url,
        width=width,
        height=height,
        x=x,
        y=y,
        min_size=minimum,
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

    def remember_placement() -> None:
        if config_dir is None:
            return
        try:
            placement = window_geometry.Placement(
                x=window.x, y=window.y, width=window.width, height=window.height
            )
        except Exception:  # the window may be half gone already; remembering is a convenience
            log.debug("window placement not readable", exc_info=True)
            return
        window_geometry.save(config_dir, placement)

    window.events.closing += remember_placement

    # At most one projector window; it closes with the app window (else the app would stay open).
    projector_windows: list[object] = []

    def report_projector(shown: object) -> None:
        loaded = shown.events.loaded  # type: ignore[attr-defined]
        if loaded.wait(UI_READY_TIMEOUT_S):
            # Only the path: the launch link's token must never reach a log.
            log.info("projector window shows %s", shown.run_js("location.pathname"))  # type: ignore[attr-defined]

    def open_projector() -> None:
        assert projector is not None
        for existing in projector_windows:
            existing.restore()  # type: ignore[attr-defined]
            existing.show()  # type: ignore[attr-defined]
            return
        width, height = PROJECTOR_SIZE
        shown = webview.create_window(PROJECTOR_TITLE, projector[1], width=width, height=height)
        if shown is None:
            raise WindowUnavailableError("the projector window could not be created")
        projector_windows.append(shown)
        shown.events.closed += lambda: projector_windows.remove(shown)
        threading.Thread(target=report_projector, args=(shown,), name="projector-ready", daemon=True).start()

    def close_projector() -> None:
        for shown in list(projector_windows):
            try:
                shown.destroy()  # type: ignore[attr-defined]
            except Exception:  # already closed by the teacher
                log.debug("projector window was already closed")

    window.events.closed += close_projector

    def close_on_stop() -> None:
        if focus is not None:
            focus.on_request(bring_to_front)
        if projector is not None:
            projector[0].on_request(open_projector)
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
        if projector is not None:
            projector[0].on_request(None)
        # The user closed the window (or a stop was requested): let the helper thread end too.
        stop_requested.set()


def _work_areas(webview: object) -> list[window_geometry.Area]:
    """The screens' work areas, primary first; [] when they cannot be learned (the window then opens
    at its preferred size, as before)."""
    on_qt = sys.platform.startswith("linux")
    if on_qt:
        try:
            return window_geometry.qt_work_areas()
        except Exception:
            log.warning("the screens' work areas could not be read", exc_info=True)
            return []
    try:
        screens = getattr(webview, "screens", [])
        return window_geometry.screen_areas([(s.x, s.y, s.width, s.height) for s in screens])
    except Exception:
        log.warning("the screens could not be read", exc_info=True)
        return []
