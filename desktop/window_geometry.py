"""Where the window opens and how large: it fits the work area of the screen it opens on (the screen
minus taskbars and docks), with a sensible minimum, and remembers its last size and position in a
small file of its own (``window.json`` in the settings folder), checked against the screens at the
next start so a window never opens on a screen that is gone or larger than the one it is on now.

pywebview's screen list has no work area; Qt's ``QScreen.availableGeometry`` has (Linux, Qt backend).
Elsewhere the screen size less a margin for the taskbar stands in for it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

log = logging.getLogger(__name__)

FILE_NAME = "window.json"
PREFERRED = (1360, 880)
MINIMUM = (960, 640)
# Room for the title bar the window manager adds above the page (the sizes are of the inside).
FRAME_ALLOWANCE = 40
# Without a work area (no Qt): room for a taskbar.
TASKBAR_ALLOWANCE = 60


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    x: int
    y: int
    width: int
    height: int

    def holds(self, other: Area) -> bool:
        return (
            other.x >= self.x
            and other.y >= self.y
            and other.x + other.width <= self.x + self.width
            and other.y + other.height <= self.y + self.height
        )


class Placement(BaseModel):
    """The window's inside size and its top-left corner on the desktop."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    x: int
    y: int
    width: int
    height: int

    def outer(self) -> Area:
        return Area(x=self.x, y=self.y, width=self.width, height=self.height + FRAME_ALLOWANCE)


def fitted(area: Area) -> Placement:
    """The preferred size, shrunk to the work area, centred in it."""
    width = min(PREFERRED[0], area.width)
    height = min(PREFERRED[1], area.height - FRAME_ALLOWANCE)
    return Placement(
        x=area.x + (area.width - width) // 2,
        y=area.y + max(0, (area.height - FRAME_ALLOWANCE - height) // 2),
        width=width,
        height=height,
    )


def minimum_for(area: Area) -> tuple[int, int]:
    return (min(MINIMUM[0], area.width), min(MINIMUM[1], area.height - FRAME_ALLOWANCE))


def choose(saved: Placement | None, areas: list[Area]) -> Placement | None:
    """The remembered placement while it still fits on one of the screens, else one that fits the
    first (primary) screen; ``None`` when nothing is known about the screens."""
    if not areas:
        return saved
    if saved is not None and any(area.holds(saved.outer()) for area in areas):
        return saved
    return fitted(areas[0])


def qt_work_areas() -> list[Area]:
    """The work areas of the screens, primary first (needs the Qt application pywebview will reuse)."""
    # The web engine must be loaded before the application object exists.
    import PySide6.QtWebEngineWidgets  # noqa: F401
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        QApplication([])
    primary = QGuiApplication.primaryScreen()
    screens = [primary, *[screen for screen in QGuiApplication.screens() if screen is not primary]]
    areas = []
    for screen in screens:
        rect = screen.availableGeometry()
        areas.append(Area(x=rect.x(), y=rect.y(), width=rect.width(), height=rect.height()))
    return areas


def screen_areas(screens: list[tuple[int, int, int, int]]) -> list[Area]:
    """Whole screens (x, y, width, height) less room for a taskbar: where no work area is known."""
    return [Area(x=x, y=y, width=w, height=max(h - TASKBAR_ALLOWANCE, MINIMUM[1])) for x, y, w, h in screens]


def load(config_dir: Path) -> Placement | None:
    path = config_dir / FILE_NAME
    try:
        return Placement.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError):
        log.warning("the remembered window size is unreadable; the window opens at its default size")
        return None


def save(config_dir: Path, placement: Placement) -> None:
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
        partial = config_dir / (FILE_NAME + ".tmp")
        partial.write_text(placement.model_dump_json(), encoding="utf-8")
        partial.replace(config_dir / FILE_NAME)
    except OSError:
        log.warning("the window size could not be remembered", exc_info=True)
