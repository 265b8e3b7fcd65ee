"""Stopping a child with everything it started, and cleaning up after an app that crashed.

On Windows a venv's ``python.exe`` is a launcher whose child is the real interpreter, and custom
nodes may start helpers of their own: killing only the direct child would leave them running,
holding the port, the database file and memory. So the whole tree is collected *before* the first
signal (once the root is gone its children can no longer be found through it).

A record of the tree (pid + create time + command line) lets the next launch stop what a crashed
app left behind. A process is touched only when all three still match: a pid alone may have been
reused by an unrelated program.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Iterable
from pathlib import Path

import psutil
from pydantic import BaseModel, ConfigDict, ValidationError

from server.atomic_write import write_model_atomic

log = logging.getLogger(__name__)

KILL_WAIT_S = 5.0
# create_time is a float computed from boot time and clock ticks; allow for rounding only.
CREATE_TIME_TOLERANCE_S = 0.01


class RecordedProcess(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pid: int
    create_time: float
    cmdline: list[str]


class ProcessRecord(BaseModel):
    """Who started the processes (the app), and the processes themselves (root first)."""

    model_config = ConfigDict(extra="forbid")

    owner: RecordedProcess
    processes: list[RecordedProcess]


def describe(process: psutil.Process) -> RecordedProcess | None:
    """None while the command line cannot be read yet: right after exec, Linux shows it empty."""
    try:
        with process.oneshot():
            cmdline = process.cmdline()
            if not cmdline:
                return None
            return RecordedProcess(pid=process.pid, create_time=process.create_time(), cmdline=cmdline)
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def process_tree(root: psutil.Process) -> list[psutil.Process]:
    """The root and all its descendants that still exist (root first)."""
    try:
        return [root, *root.children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return []


def matching_process(recorded: RecordedProcess) -> psutil.Process | None:
    """The live process the record describes, or None when the pid now belongs to something else."""
    try:
        process = psutil.Process(recorded.pid)
        with process.oneshot():
            if abs(process.create_time() - recorded.create_time) > CREATE_TIME_TOLERANCE_S:
                return None
            if process.cmdline() != recorded.cmdline:
                return None
            if process.status() == psutil.STATUS_ZOMBIE:
                return None
        return process
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def stop_processes(processes: Iterable[psutil.Process], grace_s: float, polite_root: bool = True) -> None:
    """Asks politely (SIGTERM, or CTRL_BREAK to the root's process group on Windows), then kills.

    ``polite_root=False`` for processes of an earlier app run: on Windows CTRL_BREAK only reaches
    processes on our own console, so they are killed at once there.
    """
    targets = list(processes)
    if not targets:
        return
    if sys.platform == "win32" and not polite_root:
        grace_s = 0.0
    for index, process in enumerate(targets):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError, OSError):
            if sys.platform == "win32":
                # Only the group leader (started with CREATE_NEW_PROCESS_GROUP) can get CTRL_BREAK;
                # its group members get it too. Other processes are killed after the grace period.
                if index == 0 and polite_root:
                    process.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                process.send_signal(signal.SIGTERM)
    _gone, alive = psutil.wait_procs(targets, timeout=grace_s)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            log.warning("process %d did not stop within %.0f s; killing it", process.pid, grace_s)
            process.kill()
    psutil.wait_procs(alive, timeout=KILL_WAIT_S)


class ProcessRecordFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, processes: list[RecordedProcess]) -> None:
        owner = describe(psutil.Process(os.getpid()))
        if owner is None:  # cannot happen for ourselves; keep mypy and a sandbox happy
            return
        write_model_atomic(self.path, ProcessRecord(owner=owner, processes=processes))

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

    def reap_orphans(self, root_marker: str, grace_s: float) -> list[int]:
        """Stops processes a previous, crashed run of the app left behind; returns their pids.

        ``root_marker`` must appear in the recorded root's command line (our state folder), so a
        record that was edited or copied from elsewhere cannot make us stop someone else's program.
        """
        record = self.load()
        if record is None:
            return []
        if matching_process(record.owner) is not None and record.owner.pid != os.getpid():
            # Another instance of the app with the same data folder is alive: its ComfyUI is not an orphan.
            log.info("ComfyUI process record belongs to a running app (pid %d); leaving it", record.owner.pid)
            return []
        if not record.processes or not any(root_marker in part for part in record.processes[0].cmdline):
            log.warning("process record %s does not describe our ComfyUI; ignoring it", self.path)
            self.clear()
            return []
        orphans = [process for process in map(matching_process, record.processes) if process is not None]
        if orphans:
            log.warning(
                "stopping %d ComfyUI process(es) left over from an earlier run: %s",
                len(orphans),
                ", ".join(str(process.pid) for process in orphans),
            )
            stop_processes(orphans, grace_s, polite_root=False)
        self.clear()
        return [process.pid for process in orphans]
