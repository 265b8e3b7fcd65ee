"""Aborting an HTTP request that waits for a cloud provider, from another thread.

A cloud image takes tens of seconds before the first byte of the answer arrives, and a blocked read
does not notice that the job was cancelled. httpcore reports each connection it opens through the
request's ``trace`` extension; we keep the newest one and shut its socket down on cancel, which
wakes the blocked read at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Any, Protocol


class _NetworkStream(Protocol):
    def get_extra_info(self, info: str) -> Any: ...


class RequestAbort:
    def __init__(self, on_event: Callable[[str], None] | None = None) -> None:
        """``on_event`` hears httpcore's trace event names (for progress states)."""
        self._lock = threading.Lock()
        self._stream: _NetworkStream | None = None
        self._aborted = False
        self._on_event = on_event

    @property
    def aborted(self) -> bool:
        with self._lock:
            return self._aborted

    def trace(self, event_name: str, info: dict[str, Any]) -> None:
        """The request's ``trace`` extension (called by httpcore in the requesting thread)."""
        stream = info.get("return_value")
        if event_name.endswith(".complete") and hasattr(stream, "get_extra_info"):
            with self._lock:
                self._stream = stream
                aborted = self._aborted
            if aborted:
                _shut_down(self._stream)
        if self._on_event is not None:
            self._on_event(event_name)

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            stream = self._stream
        if stream is not None:
            _shut_down(stream)


def _shut_down(stream: _NetworkStream | None) -> None:
    if stream is None:
        return
    sock = stream.get_extra_info("socket")
    if isinstance(sock, socket.socket):
        # Already closed or never connected: nothing to wake.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
