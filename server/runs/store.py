"""Run folders on disk: ``runs/<id>/run.json`` plus media files, every write atomic.

Ids are generated here and checked on every access, so a request can never name a path outside the
runs folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from server.atomic_write import write_bytes_atomic, write_model_atomic
from server.errors import AppError, ErrorKind
from server.runs.models import MediaFileRecord, RunRecord, RunStatus, utc_now

log = logging.getLogger(__name__)

RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
MEDIA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,120}$")
RECORD_FILE = "run.json"


class RunStore:
    def __init__(self, runs_dir: Path) -> None:
        self._dir = runs_dir
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return f"{utc_now().strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"

    def create(self, record: RunRecord) -> RunRecord:
        folder = self._folder(record.id)
        folder.mkdir(parents=True, exist_ok=False)
        self._write(record)
        return record

    def load(self, run_id: str) -> RunRecord:
        path = self._folder(run_id) / RECORD_FILE
        try:
            return RunRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise AppError("run_not_found", ErrorKind.NOT_FOUND, run_id=run_id) from exc
        except (json.JSONDecodeError, ValidationError) as exc:
            log.error("run record %s is unreadable: %s", path, exc)
            raise AppError("run_unreadable", ErrorKind.FAILED, run_id=run_id) from exc

    def update(self, run_id: str, change: Callable[[RunRecord], None]) -> RunRecord:
        """Load, change and save under the run's lock, so concurrent steps never lose each other's writes."""
        with self._lock_for(run_id):
            record = self.load(run_id)
            change(record)
            self._write(record)
            return record

    def add_media(
        self, run_id: str, name: str, data: bytes, media_type: str, mime_type: str
    ) -> MediaFileRecord:
        path = self.media_path(run_id, name)
        write_bytes_atomic(path, data)
        return MediaFileRecord(
            name=name,
            media_type=media_type,
            mime_type=mime_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )

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
                record = self.load(run_id)
            except AppError:
                continue
            if record.status is RunStatus.IN_PROGRESS:
                record.status = RunStatus.INCOMPLETE
                for generation in record.generations:
                    if generation.status is RunStatus.IN_PROGRESS:
                        generation.status = RunStatus.INCOMPLETE
                self._write(record)
                count += 1
        return count

    def _folder(self, run_id: str) -> Path:
        if not RUN_ID.match(run_id):
            raise AppError("run_not_found", ErrorKind.NOT_FOUND, run_id=run_id)
        return self._dir / run_id

    def _write(self, record: RunRecord) -> None:
        record.updated_at = utc_now()
        write_model_atomic(self._folder(record.id) / RECORD_FILE, record)

    def _lock_for(self, run_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(run_id, threading.Lock())
