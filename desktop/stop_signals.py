"""Turns SIGTERM, SIGINT (Ctrl-C) and SIGHUP (SIGBREAK on Windows) into one orderly shutdown.

A GUI toolkit's event loop runs in C++ on the main thread, where Python signal handlers only run
once control returns to Python, which may be never. But the C-level part of Python's handler
writes the signal number to the wakeup file descriptor at once, from whatever thread the signal
lands on; a watcher thread reads it and starts the shutdown. No signal is blocked, so child processes
(ComfyUI, the LLM engine) start with the normal signal mask and stop when asked.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def _stop_signals() -> list[signal.Signals]:
    names = ("SIGTERM", "SIGINT", "SIGHUP", "SIGBREAK")
    return [getattr(signal, name) for name in names if hasattr(signal, name)]


class StopSignalWatcher:
    """Create it on the main thread, before the GUI starts; its watcher thread keeps it alive."""

    def __init__(self, on_stop: Callable[[], None]) -> None:
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        self._on_stop = on_stop
        for stop_signal in _stop_signals():
            # A Python-level handler keeps the default action (terminate at once) away; the real
            # work happens in the watcher thread.
            signal.signal(stop_signal, _ignore)
        signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        threading.Thread(target=self._watch, name="stop-signals", daemon=True).start()

    def _watch(self) -> None:
        received = self._reader.recv(1)
        name = signal.Signals(received[0]).name if received else "?"
        log.info("received %s, shutting down", name)
        self._on_stop()


def _ignore(_signum: int, _frame: object) -> None:
    pass
