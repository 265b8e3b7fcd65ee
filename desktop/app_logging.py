"""Logs go to a rotating file in the data folder (for diagnostics) and to the console.

When the file cannot be written (the disk is full, the folder went away) the console (stderr) is the
fallback: it says once, in plain words, why the file stops and where to free space, instead of a
Python traceback per log line; the file is tried again with the next line.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import sys
from pathlib import Path

from server.disk_full import is_disk_full
from server.i18n.translator import Translator


class FileHandlerWithFallback(logging.handlers.RotatingFileHandler):
    """A rotating log file that reports its own write failures once on stderr."""

    def __init__(self, log_file: Path) -> None:
        super().__init__(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8", delay=True)
        self._log_file = log_file
        self._failing = False

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        if self._failing and self.stream is not None:
            self._failing = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        # Closed, so the next line opens the file again (and succeeds once there is space).
        with contextlib.suppress(OSError):
            self.close()
        if self._failing:
            return
        self._failing = True
        print(log_file_problem(self._log_file, error), file=sys.stderr, flush=True)


def log_file_problem(log_file: Path, error: OSError) -> str:
    if is_disk_full(error):
        detail = Translator().translate("disk_full", "en", {"folder": str(log_file.parent)})
    else:
        detail = str(error)
    message = Translator().translate("log_file_not_writable", "en", {"file": str(log_file), "detail": detail})
    return f"AI4ArtsEd: {message}"


def configure_logging(logs_dir: Path, level: str) -> Path:
    log_file = logs_dir / "app.log"
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(formatter)
    handlers: list[logging.Handler] = [console]
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(log_file_problem(log_file, error), file=sys.stderr, flush=True)
    else:
        file_handler = FileHandlerWithFallback(log_file)
        file_handler.setFormatter(formatter)
        handlers.insert(0, file_handler)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    # One line per HTTP request is noise in a teacher's log.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return log_file
