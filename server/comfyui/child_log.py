"""ComfyUI's console output: to a rotating file (full detail) and to a ring of recent lines (for the UI).

The child's stdout and stderr arrive on one pipe. Progress bars (tqdm) redraw a line with carriage
returns; only the last state of such a line is kept.
"""

from __future__ import annotations

import itertools
import logging
import logging.handlers
import re
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict

RING_LINES = 500
LOG_FILE_BYTES = 5 * 1024 * 1024
LOG_FILE_BACKUPS = 3
_LINE_BREAK = re.compile(rb"\r?\n")


class LogLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    text: str


class ChildLog:
    def __init__(
        self,
        log_file: Path,
        redact: Callable[[str], str],
        ring_lines: int = RING_LINES,
    ) -> None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self._handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8", delay=True
        )
        self._handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        self._redact = redact
        self._lock = threading.Lock()
        self._ring: deque[tuple[int, str]] = deque(maxlen=ring_lines)
        self._seq = itertools.count(1)
        self._last_seq = 0
        self.path = log_file

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._last_seq

    def add(self, text: str) -> None:
        with self._lock:
            self._last_seq = next(self._seq)
            self._ring.append((self._last_seq, text))
        self._handler.handle(logging.makeLogRecord({"msg": text, "levelno": logging.INFO}))

    def note(self, text: str) -> None:
        """A line of the app's own about the child (start, stop, restart)."""
        self.add(f"[AI4ArtsEd] {text}")

    def lines_after(self, seq: int) -> list[LogLine]:
        """Recent lines with a higher sequence number, with the machine's folder names hidden."""
        with self._lock:
            raw = [(number, text) for number, text in self._ring if number > seq]
        return [LogLine(seq=number, text=self._redact(text)) for number, text in raw]

    def raw_since(self, seq: int) -> list[str]:
        """Unredacted lines after ``seq`` that are still in the ring (to explain a failure)."""
        with self._lock:
            return [text for number, text in self._ring if number > seq]

    def follow(self, stream: IO[bytes], name: str) -> threading.Thread:
        thread = threading.Thread(target=self._pump, args=(stream,), name=name, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._handler.close()

    def _pump(self, stream: IO[bytes]) -> None:
        pending = b""
        with stream:
            while True:
                chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
                if not chunk:
                    break
                pending += chunk
                *complete, pending = _LINE_BREAK.split(pending)
                for line in complete:
                    self._add_text(_last_redraw(line))
        self._add_text(_last_redraw(pending))

    def _add_text(self, text: str) -> None:
        if text:  # blank lines would only push useful ones out of the ring
            self.add(text)


def _last_redraw(line: bytes) -> str:
    parts = [part for part in line.split(b"\r") if part.strip()]
    return (parts[-1] if parts else b"").decode("utf-8", errors="replace").rstrip()
