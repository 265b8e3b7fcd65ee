"""A second start of the app asks the running one to show its window: the one thing it may ask.

The second start cannot have the launch token (it is in no file, by design). It proves only that it
runs as the same user: the running app writes a one-time random focus secret into an owner-only
file in its data folder (desktop/single_instance.py), and ``POST /api/instance/focus`` with that
secret does nothing but bring the window to the front. Even a leaked focus secret opens nothing else.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

FOCUS_HEADER = "X-AI4ArtsEd-Focus"
FOCUS_PATH = "/api/instance/focus"


class WindowFocus:
    def __init__(self) -> None:
        self.secret = secrets.token_urlsafe(32)
        self._lock = threading.Lock()
        self._show: Callable[[], None] | None = None

    def on_request(self, show: Callable[[], None] | None) -> None:
        """The window registers how it comes to the front (None again when it closes)."""
        with self._lock:
            self._show = show

    def secret_matches(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.secret.encode())

    def request(self) -> bool:
        """True when the window was asked to come to the front."""
        with self._lock:
            show = self._show
        if show is None:
            log.info("another start of the app asked for the window; there is none (headless)")
            return False
        log.info("another start of the app asked for the window: bringing it to the front")
        try:
            show()
        except Exception:  # the platform may not allow it; the second start has said its words anyway
            log.warning("could not bring the window to the front", exc_info=True)
            return False
        return True
