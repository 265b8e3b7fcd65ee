"""sha256 of model files, with progress and cancel, and a cache so a 15 GB file is read once.

The cache remembers a file's hash together with its size and modification time (nanoseconds):
when either changes, the file is hashed again. It is a small JSON file written atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from server.atomic_write import write_json_atomic
from server.model_files.file_work import FileWork, Phase

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 * 1024 * 1024


def sha256_file(path: Path, work: FileWork, phase: Phase = Phase.HASH) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    work.progress(phase, 0, total)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            done += len(chunk)
            work.progress(phase, done, total)
            work.check_cancelled()
    return digest.hexdigest()


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    size: int
    mtime_ns: int
    sha256: str


class HashCache:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._entries = self._load()

    def lookup(self, file: Path) -> str | None:
        """The cached hash, if the file is unchanged since it was hashed."""
        try:
            stat = file.stat()
        except OSError:
            return None
        with self._lock:
            entry = self._entries.get(_key(file))
        if entry is None or entry.size != stat.st_size or entry.mtime_ns != stat.st_mtime_ns:
            return None
        return entry.sha256

    def store(self, file: Path, sha256: str) -> None:
        stat = file.stat()
        with self._lock:
            self._entries[_key(file)] = _Entry(size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=sha256)
            self._save()

    def forget(self, file: Path) -> None:
        with self._lock:
            if self._entries.pop(_key(file), None) is not None:
                self._save()

    def sha256(self, file: Path, work: FileWork, phase: Phase = Phase.HASH) -> str:
        """From the cache, or read the whole file (and remember it)."""
        cached = self.lookup(file)
        if cached is not None:
            return cached
        before = file.stat()
        digest = sha256_file(file, work, phase)
        after = file.stat()
        # A file that changed while it was read (still being copied in) gets no cache entry.
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns):
            self.store(file, digest)
        return digest

    def _load(self) -> dict[str, _Entry]:
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            return {key: _Entry.model_validate(value) for key, value in dict(raw).items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, ValidationError) as error:
            # Only a cache: the files are hashed again when needed.
            log.warning("the model hash cache %s is unreadable (%s); starting a new one", self._path, error)
            return {}

    def _save(self) -> None:
        data = {key: entry.model_dump() for key, entry in self._entries.items()}
        try:
            write_json_atomic(self._path, data)
        except OSError as error:
            log.warning("cannot write the model hash cache %s: %s", self._path, error)


def _key(file: Path) -> str:
    return os.path.normcase(str(file.absolute()))
