"""Every child process of the app starts and ends here: ComfyUI, the built-in engine, later ones.

``ChildProcesses.spawn(name, argv, env=..., cwd=..., output=...)`` starts a child

- with this app run's marker in its environment (its own children inherit it),
- tied to the app's life where the platform allows it (``death_tie.py``),
- in its own session (POSIX) or process group (Windows): Ctrl+C in the app's terminal must not reach
  it before the app stops it in order, and on Windows CTRL_BREAK needs a group,
- and writes it into the process record at once (``record.py``).

``SupervisedChild.stop()`` ends the child with its whole tree and takes it off the record.
``ChildProcesses.reap_orphans()`` stops what a crashed earlier run left behind; it runs once, and
always before the first spawn (the old record must be read before ours replaces it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import IO, TypeVar

import psutil

from server.child_processes.death_tie import WindowsJob, linux_child_setup
from server.child_processes.process_tree import process_tree, stop_processes
from server.child_processes.record import (
    MARKER_VARIABLE,
    ProcessRecord,
    ProcessRecordFile,
    RecordedChild,
    RecordedProcess,
    describe,
    marked_process,
    same_process,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

if sys.platform == "win32":
    _CREATION_FLAGS = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
else:
    _CREATION_FLAGS = 0

DEFAULT_GRACE_S = 10.0
_WAIT_AFTER_STOP_S = 5.0

# What a child's stdout/stderr go to: a binary file, or subprocess.PIPE / subprocess.DEVNULL.
ChildOutput = IO[bytes] | int


class SupervisedChild:
    """One started child. ``stop()`` it when done, also after it ended on its own."""

    def __init__(self, owner: ChildProcesses, name: str, process: subprocess.Popen[bytes]) -> None:
        self._owner = owner
        self.name = name
        self.process = process
        self._lock = threading.Lock()
        root: RecordedProcess | None = None
        # Not yet reaped, so even a child that already ended is still there to be described.
        with contextlib.suppress(psutil.NoSuchProcess):
            root = describe(psutil.Process(process.pid))
        self._recorded: list[RecordedProcess] = [root] if root is not None else []

    def __repr__(self) -> str:
        return f"SupervisedChild(name={self.name!r}, pid={self.pid})"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stdout(self) -> IO[bytes] | None:
        return self.process.stdout

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def poll(self) -> int | None:
        return self.process.poll()

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout)

    def record_entry(self) -> RecordedChild | None:
        with self._lock:
            if not self._recorded:
                return None
            return RecordedChild(name=self.name, processes=list(self._recorded))

    def remember_descendants(self) -> None:
        """Adds the child's current descendants to the record (call it now and then).

        Descendants seen once stay recorded: if the child dies first, they are orphans to stop.
        """
        if self.process.poll() is not None:
            return
        try:
            root = psutil.Process(self.process.pid)
        except psutil.NoSuchProcess:
            return
        described = [entry for entry in map(describe, process_tree(root)) if entry is not None]
        with self._lock:
            known = {(entry.pid, entry.create_time) for entry in self._recorded}
            fresh = [entry for entry in described if (entry.pid, entry.create_time) not in known]
            self._recorded += fresh
        if fresh:
            self._owner.save_record()

    def stop(self, grace_s: float = DEFAULT_GRACE_S) -> None:
        """Ends the child and everything it started (politely first), then forgets it."""
        targets: list[psutil.Process] = []
        if self.process.poll() is None:
            with contextlib.suppress(psutil.NoSuchProcess):
                targets = process_tree(psutil.Process(self.process.pid))
        seen = {target.pid for target in targets}
        with self._lock:
            recorded = list(self._recorded)
        for entry in recorded:
            if entry.pid not in seen and (alive := same_process(entry)) is not None:
                targets.append(alive)
        if targets:
            log.info("stopping %s (pid %d) and %d other process(es)", self.name, self.pid, len(targets) - 1)
            stop_processes(targets, grace_s)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(_WAIT_AFTER_STOP_S)
        self._owner.forget(self)


class ChildProcesses:
    """The one way the app starts child processes. Thread-safe; build one per app and pass it in."""

    def __init__(self, record_path: Path, *, reap_grace_s: float = DEFAULT_GRACE_S) -> None:
        self._record = ProcessRecordFile(record_path)
        self._reap_grace_s = reap_grace_s
        # Names this app run in every child's environment; not a secret (it opens nothing).
        self.marker = secrets.token_hex(16)
        owner = describe(psutil.Process(os.getpid()))
        assert owner is not None, "the app can always read its own start time"
        self._owner = owner
        self._lock = threading.Lock()
        self._children: list[SupervisedChild] = []
        self._reap_lock = threading.Lock()
        self._reaped = False
        self._spawner = _SpawnThread()
        self._job = WindowsJob()
        self._child_setup = linux_child_setup()

    def __repr__(self) -> str:
        return f"ChildProcesses(record={str(self._record.path)!r}, children={len(self._children)})"

    @property
    def record_path(self) -> Path:
        return self._record.path

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | str | None = None,
        output: ChildOutput = subprocess.DEVNULL,
    ) -> SupervisedChild:
        """Starts ``argv`` as a supervised child; stdout and stderr both go to ``output``.

        Raises OSError when the program cannot be started. Never put a secret into ``argv``: it is
        visible to every user of the computer (``ps``) and lands in logs. Pass it in ``env``.
        """
        self.reap_orphans()
        child_env = {**env, MARKER_VARIABLE: self.marker}

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=sys.platform != "win32",
                creationflags=_CREATION_FLAGS,
                preexec_fn=self._child_setup,
            )

        process = self._spawner.run(start)
        self._job.add(process.pid)
        child = SupervisedChild(self, name, process)
        with self._lock:
            self._children.append(child)
        self.save_record()
        log.info("started %s (pid %d)", name, process.pid)
        return child

    def running(self) -> list[SupervisedChild]:
        with self._lock:
            return list(self._children)

    def reap_orphans(self) -> list[int]:
        """Stops the processes a crashed earlier run of the app left behind (once); returns their pids."""
        with self._reap_lock:
            if self._reaped:
                return []
            self._reaped = True
            try:
                return self._reap()
            except Exception:
                # Leftovers must never keep the app from starting its own children.
                log.exception("the processes of an earlier run could not be checked")
                return []

    def reap_orphans_in_background(self) -> None:
        """For the app's start: the window need not wait; a spawn waits until this is done."""
        threading.Thread(target=self.reap_orphans, name="reap-orphans", daemon=True).start()

    def shutdown(self, grace_s: float = DEFAULT_GRACE_S) -> None:
        """Stops every child still running (the services stop their own ones first, in order)."""
        for child in self.running():
            child.stop(grace_s)

    # --- used by SupervisedChild ----------------------------------------------------------------

    def save_record(self) -> None:
        with self._lock:
            entries = [entry for child in self._children if (entry := child.record_entry()) is not None]
            if entries:
                self._record.save(ProcessRecord(owner=self._owner, marker=self.marker, children=entries))
            else:
                self._record.clear()

    def forget(self, child: SupervisedChild) -> None:
        with self._lock:
            if child in self._children:
                self._children.remove(child)
        self.save_record()

    # --- internals ------------------------------------------------------------------------------

    def _reap(self) -> list[int]:
        record = self._record.load()
        if record is None:
            return []
        if same_process(record.owner) is not None:
            # The app that wrote it still runs (another instance with the same data folder, or this
            # very process): these are its children, not orphans.
            log.info("the process record belongs to a running app (pid %d); leaving it", record.owner.pid)
            return []
        orphans: dict[int, tuple[str, psutil.Process]] = {}
        for child in record.children:
            for entry in child.processes:
                process = marked_process(entry, record.marker)
                if process is None:
                    continue
                # Descendants started after the last record update still carry the marker.
                for member in process_tree(process):
                    if member.pid not in orphans and marked_process(_as_entry(member), record.marker):
                        orphans[member.pid] = (child.name, member)
        if orphans:
            log.warning(
                "stopping %d process(es) left over from an earlier run: %s",
                len(orphans),
                ", ".join(f"{name} {pid}" for pid, (name, _) in orphans.items()),
            )
            leftovers = [process for _, process in orphans.values()]
            stop_processes(leftovers, self._reap_grace_s, polite_root=False)
        self._record.clear()
        return list(orphans)


def _as_entry(process: psutil.Process) -> RecordedProcess:
    entry = describe(process)
    # A process that vanished meanwhile gets an entry that matches nothing.
    return entry if entry is not None else RecordedProcess(pid=process.pid, create_time=-1.0)


class _SpawnThread:
    """The one thread every child is started from.

    Linux sends the parent-death signal when the thread that forked the child ends. The threads
    that ask for a child (a job worker, a request, a supervisor thread) may end long before the
    app does, so none of them forks itself; this thread lives as long as the app.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def run(self, start: Callable[[], T]) -> T:
        future: Future[T] = Future()

        def job() -> None:
            try:
                future.set_result(start())
            except BaseException as exc:  # handed to the caller, whatever it is
                future.set_exception(exc)

        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="child-spawner", daemon=True)
                self._thread.start()
        self._jobs.put(job)
        return future.result()

    def _serve(self) -> None:
        while True:
            self._jobs.get()()
