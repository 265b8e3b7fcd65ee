"""The process record: which processes the app started, so the next launch can stop what a crash left.

The record names processes only by pid, start time and the marker every child of this app run
carries in its environment (``MARKER_VARIABLE``). It holds no command line and no environment: the
app's own command line may carry the launch token, a child's environment a key. It is written
owner-only and atomically (a reader sees the old record or the new one).

A process is touched only when all three still match: a pid alone may have been reused by an
unrelated program, and a start time alone says nothing about who started it.
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import psutil
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.atomic_write import write_model_atomic

log = logging.getLogger(__name__)

# Set in the environment of every child (and so inherited by its descendants).
MARKER_VARIABLE = "AI4ARTSED_CHILD_OF"
OWNER_ONLY = 0o600
# create_time is a float computed from boot time and clock ticks; allow for rounding only.
CREATE_TIME_TOLERANCE_S = 0.01


class RecordedProcess(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pid: int
    create_time: float


class RecordedChild(BaseModel):
    """One child the app started (``processes[0]``) and the descendants it was seen with."""

    model_config = ConfigDict(extra="forbid")

    name: str
    processes: list[RecordedProcess] = Field(min_length=1)


class ProcessRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: RecordedProcess
    marker: str = Field(min_length=16)
    children: list[RecordedChild]


def describe(process: psutil.Process) -> RecordedProcess | None:
    try:
        return RecordedProcess(pid=process.pid, create_time=process.create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def same_process(recorded: RecordedProcess) -> psutil.Process | None:
    """The live process with this pid and start time, or None (gone, reused pid, or a zombie)."""
    try:
        process = psutil.Process(recorded.pid)
        with process.oneshot():
            if abs(process.create_time() - recorded.create_time) > CREATE_TIME_TOLERANCE_S:
                return None
            if process.status() == psutil.STATUS_ZOMBIE:
                return None
        return process
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def carries_marker(process: psutil.Process, marker: str) -> bool:
    """Whether the process was started by the app run that used ``marker`` (or by one of its children).

    A process whose environment cannot be read (another user's) is never ours.
    """
    try:
        return process.environ().get(MARKER_VARIABLE) == marker
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return False


def marked_process(recorded: RecordedProcess, marker: str) -> psutil.Process | None:
    """The live process the record describes, or None when any of pid, start time, marker differs."""
    process = same_process(recorded)
    if process is None or not carries_marker(process, marker):
        return None
    return process


class ProcessRecordFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, record: ProcessRecord) -> None:
        write_model_atomic(self.path, record, mode=OWNER_ONLY)

    def load(self) -> ProcessRecord | None:
        try:
            return ProcessRecord.model_validate(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, ValidationError) as exc:
            log.warning("ignoring unreadable process record %s: %s", self.path, exc)
            return None

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
