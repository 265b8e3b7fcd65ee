"""How long file work (hashing, copying, downloading) reports progress and notices cancel.

The byte loops only know ``FileWork``; a job hands in ``JobFileWork``, which turns progress into
``model_progress`` events (at most a few per second) and outcomes into ``notice`` events with a
message code; a test can hand in its own.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # the job manager checks events against ModelProgress: no import cycle
    from server.jobs.manager import JobContext

PROGRESS_INTERVAL_S = 0.2


class Phase(StrEnum):
    SCAN = "scan"
    HASH = "hash"
    LINK = "link"
    COPY = "copy"
    DOWNLOAD = "download"
    VERIFY = "verify"


class ModelProgress(BaseModel):
    """The data of a ``model_progress`` event: bytes done in the current phase of one file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phase: Phase
    model_id: str | None
    file: str | None
    done: int
    total: int
    fraction: float
    # The file being worked on, counted from 1, and how many there are.
    index: int
    files: int


class FileWork(Protocol):
    def progress(self, phase: Phase, done: int, total: int) -> None: ...

    def check_cancelled(self) -> None: ...


class NoFileWork:
    """For work nobody watches (a check at start, a test): no progress, never cancelled."""

    def progress(self, phase: Phase, done: int, total: int) -> None:
        pass

    def check_cancelled(self) -> None:
        pass


class JobFileWork:
    """Progress of one job that works through several files, one after the other."""

    def __init__(self, context: JobContext, files: int = 0) -> None:
        self._context = context
        self._files = files
        self._index = 0
        self._model_id: str | None = None
        self._file: str | None = None
        self._last_emit = 0.0
        self._last_phase: Phase | None = None

    def set_files(self, files: int) -> None:
        """Starts the counting of the files to be worked on (after a scan that looked at many)."""
        self._files = files
        self._index = 0

    def begin_file(self, model_id: str | None, file: str) -> None:
        self._index += 1
        self._model_id = model_id
        self._file = file
        self._last_phase = None

    def progress(self, phase: Phase, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        # Every phase change and every finished phase is shown; in between a few a second.
        if phase is self._last_phase and not finished and now - self._last_emit < PROGRESS_INTERVAL_S:
            return
        self._last_emit = now
        self._last_phase = phase
        update = ModelProgress(
            phase=phase,
            model_id=self._model_id,
            file=self._file,
            done=done,
            total=total,
            fraction=min(1.0, done / total) if total > 0 else 0.0,
            index=self._index,
            files=self._files,
        )
        self._context.emit("model_progress", update.model_dump(mode="json"))

    def notice(self, code: str, level: str = "info", **params: object) -> None:
        """An outcome the teacher should read (a file imported, refused, ...); rendered in their language."""
        self._context.emit(
            "notice",
            {"code": code, "level": level, "params": params, "model_id": self._model_id, "file": self._file},
        )

    def check_cancelled(self) -> None:
        self._context.check_cancelled()
