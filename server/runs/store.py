"""Run folders on disk: ``runs/<id>/run.json`` plus media files, every write atomic.

Records of runs in use are kept in memory and written behind: an update changes the record at once
and a writer thread puts the newest state on disk (temp file, fsync, rename), folding updates that
come in while it writes. A step therefore never waits for the disk, and a crash loses at most the
last few milliseconds of a step, which leaves the run 'in progress' and so 'incomplete' at the next
start, never a corrupt file.

A write that fails (a full disk, a lost network drive) is not dropped: the run stays due, the writer
tries again with a growing pause, the first failure goes to the log and the notices, and ``close``
tries once more before the app ends. A step asks ``wait_written`` at its end, so a student whose run
could not be saved is told so (and that the disk is full) instead of seeing a success.

A record that cannot be read (damaged ``run.json``) does not make its run vanish: the index holds a
'damaged' row for it (id, date from the id, the files in its folder), a notice names it, reading it
answers 'damaged' (409) and deleting it works.

Every record written also goes into the run index (SQLite, see run_index.py), so the gallery pages
through thousands of runs without reading their folders. The folders stay the truth: at start
``sync_index`` compares the index with them and re-reads only what changed.

Ids are generated here and checked on every access, so a request can never name a path outside the
runs folder; an id that names no run leaves nothing behind in memory (no lock, no cache entry).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from server.atomic_write import write_bytes_atomic
from server.classroom.owner import RunOwner
from server.disk_full import disk_full_error, is_disk_full
from server.errors import AppError, ErrorKind
from server.notices import NoticeLevel, Notices
from server.runs.models import RunRecord, RunStatus, utc_now
from server.runs.run_index import RecordFile, RunIndex
from server.runs.summary import RunSummary, damaged_summary, summarize

log = logging.getLogger(__name__)

RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
MEDIA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,120}$")
RECORD_FILE = "run.json"
# Records kept in memory once written; runs in use are always kept.
CACHED_RECORDS = 64
# Inside the runs folder, so a copied runs folder takes its index along; deleting it is harmless.
INDEX_FILE = "gallery-index.sqlite3"
# How long a delete waits for a pending write of the run before it goes ahead anyway.
DELETE_WAIT_S = 10.0
# Pauses between attempts after a failed write: short first (a moment's hiccup), then at most this.
RETRY_FIRST_S = 0.25
RETRY_MAX_S = 4.0
# How long the end of a step waits for its run's record to reach the disk (or fail to).
STEP_WRITE_WAIT_S = 2 * RETRY_MAX_S + 5.0
# How long ``close`` keeps trying to write what is still due before the app ends without it.
CLOSE_WAIT_S = 10.0
# Errors of the disk (or of the index next to the records) that a later attempt may get past.
RETRYABLE = (OSError, sqlite3.Error)


class RunStore:
    def __init__(self, runs_dir: Path, index: RunIndex | None = None, notices: Notices | None = None) -> None:
        self._dir = runs_dir
        runs_dir.mkdir(parents=True, exist_ok=True)
        self._index = index if index is not None else RunIndex(runs_dir / INDEX_FILE)
        self._notices = notices
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._cache: OrderedDict[str, RunRecord] = OrderedDict()
        self._dirty: OrderedDict[str, None] = OrderedDict()
        self._writing: set[str] = set()
        # Runs whose newest write failed (the error), still due; cleared by a good write or an update.
        self._failed: dict[str, BaseException] = {}
        self._retry_at: float | None = None
        self._retry_pause = RETRY_FIRST_S
        # From the first failed write to the next good one: told once (log, notice), not per attempt.
        self._in_trouble = False
        # Damaged runs already reported (notice, index row), so each is named once per start.
        self._damaged: set[str] = set()
        self._state = threading.Condition()
        self._closed = False
        self._writer = threading.Thread(target=self._write_behind, name="run-writer", daemon=True)
        self._writer.start()

    @staticmethod
    def new_id() -> str:
        return f"{utc_now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"

    @property
    def root(self) -> Path:
        return self._dir

    def create(self, record: RunRecord) -> RunRecord:
        """Writes the first record at once; a run whose folder cannot get it leaves no folder behind."""
        folder = self._folder(record.id)
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except OSError as error:
            raise self._as_app_error(error) from error
        try:
            with self._lock_for(record.id):
                self._write_now(record)
                self._remember(record.id, record.model_copy(deep=True))
        except BaseException as error:
            shutil.rmtree(folder, ignore_errors=True)
            with self._locks_guard:
                self._locks.pop(record.id, None)
            if isinstance(error, RETRYABLE):
                log.error("could not write the first record of run %s: %s", record.id, error)
                raise self._as_app_error(error) from error
            raise
        return record

    def load(self, run_id: str) -> RunRecord:
        """A copy of the newest state (written or not yet written)."""
        with self._lock_for(run_id):
            return self._current(run_id).model_copy(deep=True)

    def owner_of(self, run_id: str) -> RunOwner | None:
        """The student the run belongs to (None: the app's own user); no copy of the record is made."""
        with self._lock_for(run_id):
            return self._current(run_id).owner

    def set_hidden_from_class(self, run_id: str, hidden: bool) -> None:
        """The teacher hides a result from the student and the projector (or shows it again)."""
        self.update(run_id, lambda record: setattr(record, "hidden_from_class", hidden))
        # The student's list comes from the index, which follows the written record: once this
        # returns, the result is gone from the student's page.
        problem = self.wait_written(run_id)
        if problem is not None:
            raise problem

    def update(self, run_id: str, change: Callable[[RunRecord], None]) -> None:
        """Changes the record under the run's lock, so concurrent steps never lose each other's writes."""
        with self._lock_for(run_id):
            record = self._current(run_id)
            change(record)
            record.updated_at = utc_now()
        with self._state:
            self._dirty[run_id] = None
            # The next attempt decides; an old failure must not speak for a state it never saw.
            self._failed.pop(run_id, None)
            self._state.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Waits until every update is on disk; False if that took longer than ``timeout``."""
        with self._state:
            return self._state.wait_for(lambda: not self._dirty and not self._writing, timeout)

    def wait_written(self, run_id: str, timeout: float = STEP_WRITE_WAIT_S) -> AppError | None:
        """Waits until the run's newest state is on disk or its write failed; the failure as the error
        a person sees (None: written, or no answer within ``timeout``)."""
        with self._state:
            self._state.wait_for(
                lambda: run_id in self._failed or (run_id not in self._dirty and run_id not in self._writing),
                timeout,
            )
            failure = self._failed.get(run_id)
        return None if failure is None else self._as_app_error(failure)

    def close(self) -> None:
        """Writes everything still due (trying again at once, even after failures) before the app ends."""
        with self._state:
            self._retry_at = None
            self._retry_pause = RETRY_FIRST_S
            self._state.notify_all()
        self.flush(CLOSE_WAIT_S)
        with self._state:
            self._closed = True
            self._state.notify_all()
        self._writer.join(10)
        with self._state:
            lost = sorted(set(self._dirty) | self._writing | set(self._failed))
            failures = dict(self._failed)
        for run_id in lost:
            failure = failures.get(run_id)
            log.error(
                "the newest state of run %s could not be saved before the app stopped: %s",
                run_id,
                self._describe(failure) if failure is not None else "the write did not finish",
            )
        self._index.close()

    @property
    def index(self) -> RunIndex:
        return self._index

    def cached_ids(self) -> int:
        """How many run ids the store holds anything for in memory (records, locks, reports)."""
        with self._state, self._locks_guard:
            return len(set(self._cache) | set(self._locks) | self._damaged | set(self._failed))

    def delete(self, run_id: str, *, never_started: bool = False) -> None:
        """Removes the run's folder and its index row; a run whose step is still running stays.
        A damaged run (its record unreadable) can be deleted too. ``never_started``: the run's first
        step was refused before it began (it is 'in progress' only on paper)."""
        folder = self._folder(run_id)
        with self._state:
            self._state.wait_for(
                lambda: run_id not in self._dirty and run_id not in self._writing, DELETE_WAIT_S
            )
        with self._lock_for(run_id):
            try:
                record: RunRecord | None = self._current(run_id)
            except AppError as error:
                if error.code != "run_damaged":
                    raise
                record = None
            if record is not None and record.status is RunStatus.IN_PROGRESS and not never_started:
                raise AppError("run_in_use", ErrorKind.CONFLICT, run_id=run_id)
            with self._state:
                # A write that comes after this finds no record and leaves the (gone) folder alone.
                self._dirty.pop(run_id, None)
                self._failed.pop(run_id, None)
                self._cache.pop(run_id, None)
                self._damaged.discard(run_id)
            shutil.rmtree(folder)
            self._index.remove(run_id)
        with self._locks_guard:
            self._locks.pop(run_id, None)
        log.info("run %s deleted", run_id)

    def sync_index(self) -> None:
        """At start: the index follows the folders (rows of changed, new or vanished runs); every
        damaged run is named in a notice."""
        report = self._index.sync(self._record_files(), self._summary_from_disk)
        if report.rebuilt:
            log.info("run index rebuilt from %d run folder(s)", report.read)
        elif report.read or report.removed:
            log.info("run index: %d run(s) re-read, %d removed", report.read, report.removed)
        for run_id in sorted(self._index.damaged()):
            self._report_damaged(run_id, put_row=False)

    def media_path(self, run_id: str, name: str) -> Path:
        if not MEDIA_NAME.match(name) or name == RECORD_FILE or ".." in name:
            raise AppError("media_not_found", ErrorKind.NOT_FOUND, name=name)
        return self._folder(run_id) / name

    def mark_interrupted_runs(self) -> int:
        """At start (after ``sync_index``): runs that were still in progress when the app stopped
        become 'incomplete'. The index knows which ones, so a start never reads every record."""
        count = 0
        for run_id in sorted(self._index.with_status(RunStatus.IN_PROGRESS.value)):
            try:
                record = self._read(run_id)
            except AppError:
                continue
            if record.status is RunStatus.IN_PROGRESS:
                record.status = RunStatus.INCOMPLETE
                for generation in record.generations:
                    if generation.status is RunStatus.IN_PROGRESS:
                        generation.status = RunStatus.INCOMPLETE
                try:
                    self._write_now(record)
                except RETRYABLE as error:
                    # Stays 'in progress' on disk; the next start tries again.
                    log.error("could not mark run %s incomplete: %s", run_id, self._describe(error))
                    continue
                count += 1
        return count

    # ------------------------------------------------------------------ internals

    def _current(self, run_id: str) -> RunRecord:
        """The live record (call with the run's lock held)."""
        with self._state:
            cached = self._cache.get(run_id)
            if cached is not None:
                self._cache.move_to_end(run_id)
                return cached
        record = self._read(run_id)
        self._remember(run_id, record)
        return record

    def _remember(self, run_id: str, record: RunRecord) -> None:
        with self._state:
            self._cache[run_id] = record
            self._cache.move_to_end(run_id)
            for old in list(self._cache)[: max(0, len(self._cache) - CACHED_RECORDS)]:
                if old not in self._dirty and old not in self._writing:
                    del self._cache[old]

    def _read(self, run_id: str) -> RunRecord:
        path = self._folder(run_id) / RECORD_FILE
        try:
            return RunRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise AppError("run_not_found", ErrorKind.NOT_FOUND, run_id=run_id) from exc
        except (OSError, ValueError) as exc:  # ValueError: bad UTF-8, bad JSON, a record that fails its model
            if run_id not in self._damaged:
                log.error("run record %s is damaged: %s", path, exc)
            self._report_damaged(run_id)
            raise AppError("run_damaged", ErrorKind.CONFLICT, run_id=run_id) from exc

    def _report_damaged(self, run_id: str, *, put_row: bool = True) -> None:
        with self._state:
            if run_id in self._damaged:
                return
            self._damaged.add(run_id)
        if put_row:
            record_file = self._record_file(run_id)
            if record_file is not None:
                self._index.put(damaged_summary(run_id, self._folder(run_id)), record_file)
        if self._notices is not None:
            self._notices.add(
                "run_damaged_notice",
                NoticeLevel.WARNING,
                run_id=run_id,
                file=str(self._folder(run_id) / RECORD_FILE),
            )

    def _write_behind(self) -> None:
        while True:
            with self._state:
                while not self._closed and not self._due():
                    pause = None if self._retry_at is None else max(0.0, self._retry_at - time.monotonic())
                    self._state.wait(pause)
                if self._closed:
                    return
                run_id, _ = self._dirty.popitem(last=False)
                self._writing.add(run_id)
            try:
                with self._locks_guard:
                    lock = self._locks.get(run_id)
                if lock is None:  # deleted meanwhile
                    continue
                with lock:
                    record = self._cache.get(run_id)
                    if record is None:  # deleted meanwhile
                        continue
                    data = record.model_dump_json(indent=2) + "\n"
                    summary = summarize(record)
                self._write_bytes(run_id, data.encode("utf-8"), summary)
            except RETRYABLE as error:
                self._write_failed(run_id, error)
            except Exception:
                # A programming error, not the disk: trying again would fail the same way.
                log.exception("could not write the record of run %s", run_id)
            else:
                self._write_succeeded(run_id)
            finally:
                with self._state:
                    self._writing.discard(run_id)
                    self._state.notify_all()

    def _due(self) -> bool:
        """Whether the writer has something to write now (call with ``_state`` held)."""
        if not self._dirty:
            return False
        return self._retry_at is None or time.monotonic() >= self._retry_at

    def _write_failed(self, run_id: str, error: BaseException) -> None:
        with self._state:
            first = not self._in_trouble
            self._in_trouble = True
            self._failed[run_id] = error
            if run_id in self._cache and run_id not in self._dirty:
                self._dirty[run_id] = None
            self._retry_at = time.monotonic() + self._retry_pause
            self._retry_pause = min(self._retry_pause * 2, RETRY_MAX_S)
        if not first:
            log.debug("the record of run %s is still not written: %s", run_id, error)
            return
        log.error(
            "could not write the record of run %s (%s); the app keeps it and tries again",
            run_id,
            self._describe(error),
        )
        if self._notices is not None:
            if is_disk_full(error):
                self._notices.add("run_records_not_saved_notice", NoticeLevel.WARNING, folder=str(self._dir))
            else:
                self._notices.add("run_records_write_failed_notice", NoticeLevel.WARNING, detail=str(error))

    def _write_succeeded(self, run_id: str) -> None:
        with self._state:
            self._failed.pop(run_id, None)
            if self._failed:
                return
            # One good write ends the pause: the rest follows at once.
            self._retry_at = None
            self._retry_pause = RETRY_FIRST_S
            recovered = self._in_trouble
            self._in_trouble = False
        if recovered:
            log.info("run records are written again")

    def _describe(self, error: BaseException) -> str:
        if is_disk_full(error):
            return f"the disk is full: free space in {self._dir}"
        return str(error)

    def _as_app_error(self, error: BaseException) -> AppError:
        if isinstance(error, AppError):
            return error
        if is_disk_full(error):
            return disk_full_error(self._dir)
        return AppError("run_not_saved", ErrorKind.FAILED, detail=str(error))

    def _write_now(self, record: RunRecord) -> None:
        data = (record.model_dump_json(indent=2) + "\n").encode("utf-8")
        self._write_bytes(record.id, data, summarize(record))

    def _write_bytes(self, run_id: str, data: bytes, summary: RunSummary) -> None:
        path = self._folder(run_id) / RECORD_FILE
        write_bytes_atomic(path, data)
        stat = path.stat()
        self._index.put(summary, RecordFile(run_id, stat.st_mtime_ns, stat.st_size))
        with self._state:
            self._damaged.discard(run_id)

    def _record_files(self) -> list[RecordFile]:
        files: list[RecordFile] = []
        with os.scandir(self._dir) as entries:
            for entry in entries:
                if not RUN_ID.match(entry.name) or not entry.is_dir():
                    continue
                try:
                    stat = Path(entry.path, RECORD_FILE).stat()
                except FileNotFoundError:
                    self._remove_if_empty(Path(entry.path))
                    continue
                files.append(RecordFile(entry.name, stat.st_mtime_ns, stat.st_size))
        return files

    def _record_file(self, run_id: str) -> RecordFile | None:
        try:
            stat = (self._folder(run_id) / RECORD_FILE).stat()
        except OSError:
            return None
        return RecordFile(run_id, stat.st_mtime_ns, stat.st_size)

    @staticmethod
    def _remove_if_empty(folder: Path) -> None:
        # A folder that never got its first record (the app stopped, or older versions on a full disk).
        try:
            folder.rmdir()
        except OSError:
            return  # not empty: media without a record stay for a person to look at
        log.info("removed the empty run folder %s", folder)

    def _summary_from_disk(self, run_id: str) -> RunSummary | None:
        try:
            return summarize(self._read(run_id))
        except AppError as error:
            if error.code == "run_damaged":
                return damaged_summary(run_id, self._folder(run_id))
            return None

    def _folder(self, run_id: str) -> Path:
        if not RUN_ID.match(run_id):
            raise AppError("run_not_found", ErrorKind.NOT_FOUND, run_id=run_id)
        return self._dir / run_id

    def _lock_for(self, run_id: str) -> threading.Lock:
        """The run's lock; an id that names no run gets none (and so costs no memory)."""
        folder = self._folder(run_id)
        with self._locks_guard:
            lock = self._locks.get(run_id)
            if lock is not None:
                return lock
        if not folder.is_dir():
            raise AppError("run_not_found", ErrorKind.NOT_FOUND, run_id=run_id)
        with self._locks_guard:
            return self._locks.setdefault(run_id, threading.Lock())
