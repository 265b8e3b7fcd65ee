"""Logs go to a rotating file in the data folder (for diagnostics) and to the console."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path


def configure_logging(logs_dir: Path, level: str) -> Path:
    logs_dir.mkdir(parents=True, exist_ok=True)
    log_file = logs_dir / "app.log"
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    file_handler.setFormatter(formatter)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [file_handler, console]
    root.setLevel(level)
    # One line per HTTP request is noise in a teacher's log.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return log_file
