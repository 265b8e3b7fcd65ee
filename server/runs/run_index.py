"""A small SQLite index over the run folders, so a gallery of thousands of runs pages at once.

The folders stay the truth: every row remembers the size and modification time of the ``run.json`` it
was made from. At start the store compares them with the folders and re-reads only what changed (a
crash between a record's write and its row leaves exactly such a difference); a missing, damaged or
older-format index file is rebuilt from the folders. While the app runs the store puts every record it
writes into the index, so the index never needs to look at the disk itself.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from server.runs.summary import RunSummary

log = logging.getLogger(__name__)

# Raise when the tables change: an index of another version is rebuilt from the folders.
# 2: summaries carry the text result and the attitude's name; 3: the self-test column;
# 4: the owner (class and student) and whether the teacher hid the run from the class
SCHEMA_VERSION = 4
# Runs without any media file, for the medium filter.
NO_MEDIA = "none"
# The status column of a run whose record cannot be read (its summary says ``damaged``).
DAMAGED = "damaged"

_SCHEMA = """
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    created_us INTEGER NOT NULL,
    status TEXT NOT NULL,
    attitude TEXT,
    media_bytes INTEGER NOT NULL,
    self_test INTEGER NOT NULL DEFAULT 0,
    class_id TEXT,
    student_id TEXT,
    hidden_from_class INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL,
    record_mtime_ns INTEGER NOT NULL,
    record_size INTEGER NOT NULL
);
CREATE INDEX runs_newest ON runs (created_us DESC, id DESC);
CREATE INDEX runs_attitude ON runs (attitude, created_us DESC);
CREATE INDEX runs_owner ON runs (class_id, student_id, created_us DESC);
CREATE TABLE run_media (
    run_id TEXT NOT NULL,
    media_type TEXT NOT NULL,
    PRIMARY KEY (run_id, media_type)
) WITHOUT ROWID;
CREATE INDEX run_media_type ON run_media (media_type, run_id);
"""


@dataclass(frozen=True)
class RecordFile:
    """What the index compares with a row to know whether the row is still true."""

    run_id: str
    mtime_ns: int
    size: int


class RunFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    attitude: str | None = Field(default=None, max_length=64)
    # A media type id, or "none" for runs without a media file.
    medium: str | None = Field(default=None, max_length=64)
    # False: leave out the settings' self-test pictures (the gallery's default).
    self_test: bool = True
    # Only the runs of this class / of this student of it (classroom mode).
    class_id: str | None = Field(default=None, max_length=64)
    student_id: str | None = Field(default=None, max_length=64)
    # False: leave out runs the teacher hid from the class (what a student sees of their own).
    hidden_from_class: bool = True


@dataclass(frozen=True)
class RunPage:
    runs: list[RunSummary]
    total: int


@dataclass(frozen=True)
class Facets:
    """What the filters can offer: attitudes and media with their numbers of runs, the time span."""

    attitudes: dict[str, int]
    media: dict[str, int]
    total: int
    oldest: datetime | None
    newest: datetime | None


@dataclass(frozen=True)
class SyncReport:
    rebuilt: bool
    read: int
    removed: int


class RunIndex:
    """Thread-safe: one connection, one lock (SQLite in WAL mode answers a page in well under 1 ms)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._fresh = False
        self._db = self._open()

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ keeping it true

    def put(self, summary: RunSummary, record: RecordFile) -> None:
        with self._lock, self._db:
            self._put(summary, record)

    def remove(self, run_id: str) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            self._db.execute("DELETE FROM run_media WHERE run_id = ?", (run_id,))

    def sync(self, on_disk: Iterable[RecordFile], read: Callable[[str], RunSummary | None]) -> SyncReport:
        """Brings the index in line with the folders; ``read`` gives a run's summary (a damaged run's
        says so; None: no record any more)."""
        files = {item.run_id: item for item in on_disk}
        with self._lock:
            known = {
                row[0]: (row[1], row[2])
                for row in self._db.execute("SELECT id, record_mtime_ns, record_size FROM runs")
            }
        stale = [item for run_id, item in files.items() if known.get(run_id) != (item.mtime_ns, item.size)]
        vanished = [run_id for run_id in known if run_id not in files]
        summaries: list[tuple[RunSummary, RecordFile]] = []
        unreadable: list[str] = []
        for item in stale:
            summary = read(item.run_id)
            if summary is None:
                # No row (the record vanished meanwhile), so the next start tries again.
                unreadable.append(item.run_id)
            else:
                summaries.append((summary, item))
        with self._lock, self._db:
            for run_id in vanished + unreadable:
                self._db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
                self._db.execute("DELETE FROM run_media WHERE run_id = ?", (run_id,))
            for summary, item in summaries:
                self._put(summary, item)
        report = SyncReport(rebuilt=self._fresh, read=len(stale), removed=len(vanished))
        self._fresh = False
        return report

    # ------------------------------------------------------------------ reading

    def page(self, where: RunFilter, offset: int, limit: int) -> RunPage:
        """Newest first."""
        clause, params = _where(where)
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM runs {clause}", params).fetchone()[0]  # noqa: S608
            rows = self._db.execute(
                f"SELECT summary FROM runs {clause} ORDER BY created_us DESC, id DESC LIMIT ? OFFSET ?",  # noqa: S608
                [*params, limit, offset],
            ).fetchall()
        return RunPage(runs=[RunSummary.model_validate_json(row[0]) for row in rows], total=int(total))

    def ids(self, where: RunFilter) -> list[str]:
        """Every run the filter selects, newest first (for an export of a date range)."""
        clause, params = _where(where)
        with self._lock:
            rows = self._db.execute(
                f"SELECT id FROM runs {clause} ORDER BY created_us DESC, id DESC",  # noqa: S608
                params,
            ).fetchall()
        return [str(row[0]) for row in rows]

    def summary(self, run_id: str) -> RunSummary | None:
        with self._lock:
            row = self._db.execute("SELECT summary FROM runs WHERE id = ?", (run_id,)).fetchone()
        return RunSummary.model_validate_json(row[0]) if row else None

    def damaged(self) -> list[str]:
        return self.with_status(DAMAGED)

    def with_status(self, status: str) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id FROM runs WHERE status = ?", (status,)).fetchall()
        return [str(row[0]) for row in rows]

    def facets(self) -> Facets:
        with self._lock:
            attitudes = dict(
                self._db.execute(
                    "SELECT attitude, COUNT(*) FROM runs WHERE attitude IS NOT NULL GROUP BY attitude"
                ).fetchall()
            )
            media = dict(
                self._db.execute("SELECT media_type, COUNT(*) FROM run_media GROUP BY media_type").fetchall()
            )
            without = self._db.execute(
                "SELECT COUNT(*) FROM runs WHERE NOT EXISTS (SELECT 1 FROM run_media WHERE run_id = runs.id)"
            ).fetchone()[0]
            total, oldest, newest = self._db.execute(
                "SELECT COUNT(*), MIN(created_us), MAX(created_us) FROM runs"
            ).fetchone()
        if without:
            media[NO_MEDIA] = without
        return Facets(
            attitudes=attitudes,
            media=media,
            total=int(total),
            oldest=_from_us(oldest) if oldest is not None else None,
            newest=_from_us(newest) if newest is not None else None,
        )

    def totals(self) -> tuple[int, int]:
        """The number of runs and the bytes of their media files."""
        with self._lock:
            count, media_bytes = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(media_bytes), 0) FROM runs"
            ).fetchone()
        return int(count), int(media_bytes)

    # ------------------------------------------------------------------ internals

    def _put(self, summary: RunSummary, record: RecordFile) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO runs"
            " (id, created_us, status, attitude, media_bytes, self_test, class_id, student_id,"
            " hidden_from_class, summary, record_mtime_ns, record_size)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                summary.id,
                _to_us(summary.created_at),
                DAMAGED if summary.damaged else summary.status.value,
                summary.attitude,
                summary.media_bytes,
                int(summary.self_test),
                summary.owner.class_id if summary.owner else None,
                summary.owner.student_id if summary.owner else None,
                int(summary.hidden_from_class),
                summary.model_dump_json(),
                record.mtime_ns,
                record.size,
            ),
        )
        self._db.execute("DELETE FROM run_media WHERE run_id = ?", (summary.id,))
        self._db.executemany(
            "INSERT INTO run_media (run_id, media_type) VALUES (?, ?)",
            [(summary.id, media_type) for media_type in summary.media_types],
        )

    def _open(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.DatabaseError as error:
            log.warning("the run index %s is damaged (%s); rebuilding it from the folders", self._path, error)
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{self._path}{suffix}").unlink()
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path, check_same_thread=False, isolation_level="DEFERRED")
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                with db:
                    db.execute("DROP TABLE IF EXISTS run_media")
                    db.execute("DROP TABLE IF EXISTS runs")
                    db.executescript(_SCHEMA)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self._fresh = True
            else:
                db.execute("SELECT COUNT(*) FROM runs").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db


def _where(where: RunFilter) -> tuple[str, list[object]]:
    parts: list[str] = []
    params: list[object] = []
    if where.since is not None:
        parts.append("created_us >= ?")
        params.append(_to_us(where.since))
    if where.until is not None:
        parts.append("created_us < ?")
        params.append(_to_us(where.until))
    if where.attitude is not None:
        parts.append("attitude = ?")
        params.append(where.attitude)
    if not where.self_test:
        parts.append("self_test = 0")
    if where.class_id is not None:
        parts.append("class_id = ?")
        params.append(where.class_id)
    if where.student_id is not None:
        parts.append("student_id = ?")
        params.append(where.student_id)
    if not where.hidden_from_class:
        parts.append("hidden_from_class = 0")
    if where.medium == NO_MEDIA:
        parts.append("NOT EXISTS (SELECT 1 FROM run_media WHERE run_id = runs.id)")
    elif where.medium is not None:
        parts.append("EXISTS (SELECT 1 FROM run_media WHERE run_id = runs.id AND media_type = ?)")
        params.append(where.medium)
    return ("WHERE " + " AND ".join(parts) if parts else ""), params


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def _from_us(value: int) -> datetime:
    return _EPOCH + value * _MICROSECOND
