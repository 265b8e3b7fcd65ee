"""Slows down guessing the teacher PIN: a few free tries, then a growing wait, kept across restarts.

Without it a script (or a patient student) could try every 4-digit PIN in minutes. After
``FREE_TRIES`` wrong PINs in a row every further wrong PIN doubles the wait before the next try
(``FIRST_WAIT_S``, twice that, ... up to ``MAX_WAIT_S``); a right PIN starts the count again. The
count and the time of the next allowed try live in a small file beside settings.json, so a restart
of the app does not reset them. The clock is the wall clock (it must survive a restart); a next try
more than ``MAX_WAIT_S`` ahead (the clock was set back) is treated as ``MAX_WAIT_S``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.atomic_write import write_model_atomic
from server.errors import AppError, ErrorKind

log = logging.getLogger(__name__)

FREE_TRIES = 5
# A teacher who mistyped five times waits half a minute; guessing all 10,000 4-digit PINs takes weeks.
FIRST_WAIT_S = 30.0
MAX_WAIT_S = 300.0


class AttemptRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    failures: int = Field(default=0, ge=0)
    # Unix time before which no PIN is checked (0: any time).
    next_attempt_at: float = 0.0


def wait_after(failures: int) -> float:
    """Seconds before the next try after this many wrong PINs in a row."""
    if failures < FREE_TRIES:
        return 0.0
    # The exponent is capped: thousands of failures (a weekend of guessing) must not overflow a float.
    return min(FIRST_WAIT_S * 2.0 ** min(failures - FREE_TRIES, 32), MAX_WAIT_S)


class PinThrottle:
    """Not thread-safe by itself: the teacher PIN checks one attempt at a time (teacher_pin_file.py)."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self.clock = clock
        self._record = self._load()

    def refuse_if_waiting(self) -> None:
        """Raises ``pin_throttled`` (429) while the wait after the last wrong PIN has not passed."""
        now = self.clock()
        next_at = min(self._record.next_attempt_at, now + MAX_WAIT_S)
        if next_at > now:
            seconds = math.ceil(next_at - now)
            raise AppError("pin_throttled", ErrorKind.TOO_MANY_REQUESTS, seconds=str(seconds))

    def record_failure(self) -> None:
        failures = self._record.failures + 1
        wait = wait_after(failures)
        self._save(AttemptRecord(failures=failures, next_attempt_at=self.clock() + wait if wait else 0.0))
        log.warning("wrong teacher PIN (%d in a row); next try allowed in %.0f s", failures, wait)

    def record_success(self) -> None:
        if self._record.failures or self._record.next_attempt_at:
            self._save(AttemptRecord())

    def _save(self, record: AttemptRecord) -> None:
        self._record = record
        try:
            write_model_atomic(self._path, record, mode=0o600)
        except OSError:
            # The count still holds for this run; the next start only forgets it.
            log.exception("could not write the PIN attempt file %s", self._path)

    def _load(self) -> AttemptRecord:
        if not self._path.exists():
            return AttemptRecord()
        try:
            return AttemptRecord.model_validate(json.loads(self._path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError, ValidationError) as exc:
            # Breaking the file must not give free tries: the next wrong PIN waits again.
            log.warning("PIN attempt file %s is unreadable (%s); the next wrong PIN waits", self._path, exc)
            return AttemptRecord(failures=FREE_TRIES - 1, next_attempt_at=0.0)
