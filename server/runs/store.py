"""Run folders on disk: ``runs/<id>/run.json`` plus media files, every write atomic.

Records of runs in use are kept in memory and written behind: an update changes the record at once
and a writer thread puts the newest state on disk (temp file, fsync, rename), folding updates that
come in while it writes. A step therefore never waits for the disk, and a crash loses at most the
last few milliseconds of a step, which leaves the run 'in progress' and so 'incomplete' at the next
start, never a corrupt file.

Ids are generated here and checked on every access, so a request can never name a path outside the
runs folder.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from server.atomic_write import write_bytes_atomic
from server.errors import AppError, ErrorKind
from server.runs.models import RunRecord, RunStatus, utc_now

log = logging.getLogger(__name__)

RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
MEDIA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,120}$")
RECORD_FILE = "run.json"
# Records kept in memory once written; runs in use are always kept.
CACHED_RECORDS = 64


class RunStore:
    def __init__(self, runs_dir: Path) -> None:
        self._dir = runs_dir
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

    def media_path(self, run_id: str, name: str) -> Path:
        if not MEDIA_NAME.match(name) or name == RECORD_FILE or ".." in name:
            raise AppError("media_not_found", ErrorKind.NOT_FOUND, name=name)
        return self._folder(run_id) / name

    def mark_interrupted_runs(self) -> int:
        """At start: runs that were still in progress when the app stopped become 'incomplete'."""
        count = 0
        for path in sorted(self._dir.glob(f"*/{RECORD_FILE}")):
            run_id = path.parent.name
            if not RUN_ID.match(run_id):
                continue
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
                    data = self._cache[run_id].model_dump_json(indent=2) + "\n"
                self._write_bytes(run_id, data.encode("utf-8"))
            except Exception:
                log.exception("could not write the record of run %s", run_id)
            finally:
                with self._state:
                    self._writing.discard(run_id)
                    self._state.notify_all()

    def _write_now(self, record: RunRecord) -> None:
        self._write_bytes(record.id, (record.model_dump_json(indent=2) + "\n").encode("utf-8"))

    def _write_bytes(self, run_id: str, data: bytes) -> None:
        write_bytes_atomic(self._folder(run_id) / RECORD_FILE, data)

    def _folder(self, run_id: str) -> Path:
        if not RUN_ID.match(run_id):
            raise AppError("run_not_found", ErrorKind.NOT_FOUND, run_id=run_id)
        return self._dir / run_id

    def _lock_for(self, run_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(run_id, threading.Lock())
