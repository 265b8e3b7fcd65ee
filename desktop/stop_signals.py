"""Turns SIGTERM, SIGINT (Ctrl-C) and SIGHUP into one orderly shutdown.

A GUI toolkit's event loop runs in C++ on the main thread, where Python signal handlers never get a
chance to run. So on POSIX the signals are blocked in every thread and one watcher thread waits for
them with sigwait. This must happen before any other thread starts: threads inherit the mask.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

_POSIX_SIGNALS = {signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", signal.SIGTERM)}


def watch_stop_signals(on_stop: Callable[[], None]) -> None:
    if hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait"):
        signal.pthread_sigmask(signal.SIG_BLOCK, _POSIX_SIGNALS)

        def wait() -> None:
            received = signal.sigwait(_POSIX_SIGNALS)
            log.info("received %s, shutting down", signal.Signals(received).name)
            on_stop()

        threading.Thread(target=wait, name="stop-signals", daemon=True).start()
        return

    # Windows: Ctrl-C / Ctrl-Break in a console.
    def handler(signum: int, _frame: object) -> None:
        log.info("received signal %s, shutting down", signum)
        on_stop()

    signal.signal(signal.SIGINT, handler)
    if hasattr(signal, "SIGBREAK"):
        signal.signal(signal.SIGBREAK, handler)
