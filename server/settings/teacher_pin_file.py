"""The teacher PIN's own file, what state the PIN is in, and the (throttled) check of an entered PIN.

The PIN's hash lives apart from settings.json (``teacher-pin.json``, owner-only), so a damaged
settings file can never take the PIN with it. settings.json keeps only a marker, ``teacher_pin_set``.
Either of the two saying that a PIN exists while its hash cannot be read means **locked**: every
change that needs the PIN is refused until school IT resets it (an empty file ``reset-teacher-pin``
in the settings folder, read at the next start; docs/settings.md). Locked never falls back to "no
PIN", because that would open the safety level to whoever breaks or deletes a file.

Checks run one at a time under this object's own lock, never under the settings lock: the scrypt
hash takes tens of milliseconds, and settings reads must not wait for it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from server.atomic_write import write_model_atomic
from server.errors import AppError, ErrorKind
from server.settings.pin_throttle import PinThrottle
from server.settings.teacher_pin import PinHash, hash_pin, pin_matches, require_pin_format

log = logging.getLogger(__name__)

PIN_FILE_NAME = "teacher-pin.json"
ATTEMPTS_FILE_NAME = "teacher-pin-attempts.json"
# Windows' Explorer adds ".txt" to a "new text document"; both names count.
RESET_FILE_NAMES = ("reset-teacher-pin", "reset-teacher-pin.txt")


class PinState(StrEnum):
    NONE = "none"  # no PIN was ever set (or it was reset): nothing is guarded yet
    SET = "set"  # the hash is known: guarded changes need the PIN
    LOCKED = "locked"  # a PIN exists but its hash cannot be read: guarded changes are refused


class TeacherPin:
    def __init__(self, folder: Path, clock: Callable[[], float] = time.time) -> None:
        self.file = folder / PIN_FILE_NAME
        self.reset_file = folder / RESET_FILE_NAMES[0]
        self._folder = folder
        self._throttle = PinThrottle(folder / ATTEMPTS_FILE_NAME, clock)
        self._lock = threading.Lock()
        self._hash: PinHash | None = None
        self._state = PinState.NONE

    @property
    def state(self) -> PinState:
        # No lock: a check holds it for the length of a hash, and readers must not wait for that.
        return self._state

    def reset_if_requested(self) -> bool:
        """Forgets the PIN when school IT left a reset file; True when that happened."""
        found = [self._folder / name for name in RESET_FILE_NAMES if (self._folder / name).exists()]
        if not found:
            return False
        for path in (self.file, self._folder / ATTEMPTS_FILE_NAME, *found):
            path.unlink(missing_ok=True)
        self._throttle = PinThrottle(self._folder / ATTEMPTS_FILE_NAME, self._throttle.clock)
        log.warning("teacher PIN reset by %s: no PIN is set now", found[0])
        return True

    def adopt(self, raw: object) -> None:
        """Writes a hash that a migration moved out of settings.json; a broken one is left out (locked)."""
        try:
            write_model_atomic(self.file, PinHash.model_validate(raw), mode=0o600)
        except (ValidationError, OSError):
            log.exception("the teacher PIN hash from settings.json could not be moved to %s", self.file)

    def load(self, marker: bool | None) -> PinState:
        """``marker``: settings.json's ``teacher_pin_set``, None when settings.json said nothing readable."""
        self._hash = None
        if self.file.exists():
            try:
                self._hash = PinHash.model_validate(json.loads(self.file.read_text(encoding="utf-8")))
                self._state = PinState.SET
            except (OSError, UnicodeDecodeError, ValueError, ValidationError) as exc:
                log.error("teacher PIN file %s is unreadable (%s): PIN changes are locked", self.file, exc)
                self._state = PinState.LOCKED
        elif marker is False:
            self._state = PinState.NONE
        else:
            # A PIN was set (or settings.json cannot tell) but its file is gone.
            log.error("teacher PIN file %s is missing although a PIN may be set: locked", self.file)
            self._state = PinState.LOCKED
        return self._state

    def check(self, pin: str | None) -> bool:
        """Passes when no PIN is set (False) or the PIN is right (True); raises 403, 400 or 429 otherwise."""
        with self._lock:
            if self._state is PinState.NONE:
                return False
            self._verify(pin)
            return True

    def replace(self, current: str | None, new: str) -> None:
        """Sets a new PIN; replacing one needs the current PIN (checked like any other)."""
        require_pin_format(new)
        with self._lock:
            if self._state is not PinState.NONE:
                self._verify(current)
            new_hash = hash_pin(new)
            write_model_atomic(self.file, new_hash, mode=0o600)
            self._hash, self._state = new_hash, PinState.SET

    def locked_error(self) -> AppError:
        return AppError("pin_locked", ErrorKind.FORBIDDEN, file=str(self.file), reset=str(self.reset_file))

    def _verify(self, pin: str | None) -> None:
        if self._state is PinState.LOCKED or self._hash is None:
            raise self.locked_error()
        if not pin:
            raise AppError("pin_wrong", ErrorKind.FORBIDDEN)
        # Not a guess that could be right, so it does not count as a wrong PIN.
        require_pin_format(pin)
        self._throttle.refuse_if_waiting()
        if pin_matches(pin, self._hash):
            self._throttle.record_success()
            return
        self._throttle.record_failure()
        raise AppError("pin_wrong", ErrorKind.FORBIDDEN)
