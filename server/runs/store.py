"""Run folders on disk: ``runs/<id>/run.json`` plus media files, every write atomic.

Records of runs in use are kept in memory and written behind: an update changes the record at once
and a writer thread puts the newest state on disk (temp file, fsync, rename), folding updates that
come in while it writes. A step therefore never waits for the disk, and a crash loses at most the
last few milliseconds of a step, which leaves the run 'in progress' and so 'incomplete' at the next
start, never a corrupt file.

Every record written also goes into the run index (SQLite, see run_index.py), so the gallery pages
through thousands of runs without reading their folders. The folders stay the truth: at start
``sync_index`` compares the index with them and re-reads only what changed.

Ids are generated here and checked on every access, so a request can never name a path outside the
runs folder.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from server.atomic_write import write_bytes_atomic
from server.errors import AppError, ErrorKind
from server.runs.models import RunRecord, RunStatus, utc_now
from server.runs.run_index import RecordFile, RunIndex
from server.runs.summary import RunSummary, summarize

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


class RunStore:
    def __init__(self, runs_dir: Path, index: RunIndex | None = None) -> None:
        self._dir = runs_dir
        runs_dir.mkdir(parents=True, exist_ok=True)
        self._index = index if index is not None else RunIndex(runs_dir / INDEX_FILE)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._cache: OrderedDict[str, RunRecord] = OrderedDict()
        self._dirty: OrderedDict[str, None] = OrderedDict()
        self._writing: set[str] = set()
        self._state = threading.Condition()
        self._closed = False
        self._writer = threading.Thread(target=self._write_behind, name="run-writer", daemon=True)
        self._writer.start()

    @staticmethod
    def new_id() -> str:
        return f"{utc_now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"

    def create(self, record: RunRecord) -> RunRecord:
        folder = self._folder(record.id)
        folder.mkdir(parents=True, exist_ok=False)
        with self._lock_for(record.id):
            self._write_now(record)
            self._remember(record.id, record.model_copy(deep=True))
        return record

    def load(self, run_id: str) -> RunRecord:
        """A copy of the newest state (written or not yet written)."""
        with self._lock_for(run_id):
            return self._current(run_id).model_copy(deep=True)

    def update(self, run_id: str, change: Callable[[RunRecord], None]) -> None:
        """Changes the record under the run's lock, so concurrent steps never lose each other's writes."""
        with self._lock_for(run_id):
            record = self._current(run_id)
            change(record)
            record.updated_at = utc_now()
        with self._state:
            self._dirty[run_id] = None
            self._state.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Waits until every update is on disk; False if that took longer than ``timeout``."""
        with self._state:
            return self._state.wait_for(lambda: not self._dirty and not self._writing, timeout)

    def close(self) -> None:
        self.flush()
        with self._state:
            self._closed = True
            self._state.notify_all()
        self._writer.join(10)
        self._index.close()

    @property
    def index(self) -> RunIndex:
        return self._index

    def delete(self, run_id: str) -> None:
        """Removes the run's folder and its index row; a run whose step is still running stays."""
        folder = self._folder(run_id)
        with self._state:
            self._state.wait_for(
                lambda: run_id not in self._dirty and run_id not in self._writing, DELETE_WAIT_S
            )
        with self._lock_for(run_id):
            record = self._current(run_id)
            if record.status is RunStatus.IN_PROGRESS:
                raise AppError("run_in_use", ErrorKind.CONFLICT, run_id=run_id)
            with self._state:
                # A write that comes after this finds no record and leaves the (gone) folder alone.
                self._dirty.pop(run_id, None)
                self._cache.pop(run_id, None)
            shutil.rmtree(folder)
            self._index.remove(run_id)
        log.info("run %s deleted", run_id)

    def sync_index(self) -> None:
        """At start: the index follows the folders (rows of changed, new or vanished runs)."""
        report = self._index.sync(self._record_files(), self._summary_from_disk)
        if report.rebuilt:
            log.info("run index rebuilt from %d run folder(s)", report.read)
        elif report.read or report.removed:
            log.info("run index: %d run(s) re-read, %d removed", report.read, report.removed)

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
                self._write_now(record)
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
        except (json.JSONDecodeError, ValidationError) as exc:
            log.error("run record %s is unreadable: %s", path, exc)
            raise AppError("run_unreadable", ErrorKind.FAILED, run_id=run_id) from exc

    def _write_behind(self) -> None:
        while True:
            with self._state:
                self._state.wait_for(lambda: bool(self._dirty) or self._closed)
                if not self._dirty:
                    return
                run_id, _ = self._dirty.popitem(last=False)
                self._writing.add(run_id)
            try:
                with self._lock_for(run_id):
                    record = self._cache.get(run_id)
                    if record is None:  # deleted meanwhile
                        continue
                    data = record.model_dump_json(indent=2) + "\n"
                    summary = summarize(record)
                self._write_bytes(run_id, data.encode("utf-8"), summary)
            except Exception:
                log.exception("could not write the record of run %s", run_id)
            finally:
                with self._state:
                    self._writing.discard(run_id)
                    self._state.notify_all()

    def _write_now(self, record: RunRecord) -> None:
        data = (record.model_dump_json(indent=2) + "\n").encode("utf-8")
        self._write_bytes(record.id, data, summarize(record))

    def _write_bytes(self, run_id: str, data: bytes, summary: RunSummary) -> None:
        path = self._folder(run_id) / RECORD_FILE
        write_bytes_atomic(path, data)
        stat = path.stat()
        self._index.put(summary, RecordFile(run_id, stat.st_mtime_ns, stat.st_size))

    def _record_files(self) -> list[RecordFile]:
        files: list[RecordFile] = []
        with os.scandir(self._dir) as entries:
            for entry in entries:
                if not RUN_ID.match(entry.name) or not entry.is_dir():
                    continue
                try:
                    stat = Path(entry.path, RECORD_FILE).stat()
                except FileNotFoundError:
                    continue
                files.append(RecordFile(entry.name, stat.st_mtime_ns, stat.st_size))
        return files

    def _summary_from_disk(self, run_id: str) -> RunSummary | None:
        try:
            return summarize(self._read(run_id))
        except AppError:
            return None  # unreadable: logged by _read; the gallery leaves it out

    def _folder(self, run_id: str) -> Path:
        if not RUN_ID.match(run_id):
            raise AppError("run_not_found", ErrorKind.NOT_FOUND, run_id=run_id)
        return self._dir / run_id

    def _lock_for(self, run_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(run_id, threading.Lock())
