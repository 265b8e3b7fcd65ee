"""The teacher's "show on the projector" opens a second app window with the projector page.

A link the app window opens goes to the system browser (pywebview), and each window of the app has its
own cookie jar (private mode), so neither would be signed in. The desktop window therefore registers
how it opens a second window of its own, with the launch link of the projector page, which never
leaves the process. Without a window (headless, or the UI in a browser) nothing is registered and the
page opens a tab of its own browser instead, which shares the browser's login.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class ProjectorWindow:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: Callable[[], None] | None = None

    def on_request(self, open_window: Callable[[], None] | None) -> None:
        """The app window registers how it opens the projector window (None again when it closes)."""
        with self._lock:
            self._open = open_window

    @property
    def available(self) -> bool:
        with self._lock:
            return self._open is not None

    def open(self) -> bool:
        """True when the app opened (or raised) its projector window."""
        with self._lock:
            open_window = self._open
        if open_window is None:
            return False
        try:
            open_window()
        except Exception:  # the platform may refuse a second window; the page falls back to a tab
            log.warning("could not open the projector window", exc_info=True)
            return False
        return True
