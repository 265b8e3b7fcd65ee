"""The gallery: every run, newest first, filtered and paged from the run index; one run in full.

Pages come from the SQLite index (a page of thousands of runs costs the same as one of ten). The full
record of one run comes from its folder, with the texts of every message code it holds, so the
transparency view can explain a block or a failure in the reader's language.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from server.classroom.owner import RunOwner
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language, Translator
from server.jobs.manager import JobManager
from server.paging import Offset
from server.runs.access import require_visible
from server.runs.models import RunRecord
from server.runs.run_index import RunFilter
from server.runs.store import RunStore
from server.runs.summary import RunSummary

DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100


class GalleryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    attitude: str | None = Field(default=None, min_length=1, max_length=64)
    medium: str | None = Field(default=None, min_length=1, max_length=64)
    offset: Offset = 0
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    # true: list the settings' self-test pictures too (hidden by default).
    self_test: bool = False
    # Only one class's runs, or one student's of it (the teacher's view of classroom mode).
    class_id: str | None = Field(default=None, min_length=1, max_length=64)
    student_id: str | None = Field(default=None, min_length=1, max_length=64)

    def run_filter(self, owner: RunOwner | None = None) -> RunFilter:
        """``owner``: a student asking, who gets only their own runs that the teacher did not hide."""
        if owner is not None:
            return RunFilter(
                since=self.since,
                until=self.until,
                attitude=self.attitude,
                medium=self.medium,
                self_test=False,
                class_id=owner.class_id,
                student_id=owner.student_id,
                hidden_from_class=False,
            )
        return RunFilter(
            since=self.since,
            until=self.until,
            attitude=self.attitude,
            medium=self.medium,
            self_test=self.self_test,
            class_id=self.class_id,
            student_id=self.student_id,
        )


class GalleryPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    runs: list[RunSummary]
    total: int
    offset: int
    limit: int


class GalleryFacets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attitudes: dict[str, int]
    media: dict[str, int]
    total: int
    oldest: datetime | None
    newest: datetime | None


class RunningJob(BaseModel):
    """A step of the run still queued or running: a workshop opened on the run follows it."""

    model_config = ConfigDict(extra="forbid")

    job_id: str
    kind: str  # "interception", "optimization", "generation"


class RunDetail(BaseModel):
    """The record plus the texts of its message codes in the reader's language."""

    model_config = ConfigDict(extra="forbid")

    record: RunRecord
    messages: dict[str, str]
    running: list[RunningJob] = []


class Gallery:
    def __init__(self, store: RunStore, translator: Translator, jobs: JobManager) -> None:
        self._store = store
        self._translator = translator
        self._jobs = jobs

    def page(self, query: GalleryQuery, owner: RunOwner | None = None) -> GalleryPage:
        found = self._store.index.page(query.run_filter(owner), query.offset, query.limit)
        return GalleryPage(runs=found.runs, total=found.total, offset=query.offset, limit=query.limit)

    def facets(self) -> GalleryFacets:
        facets = self._store.index.facets()
        return GalleryFacets(
            attitudes=facets.attitudes,
            media=facets.media,
            total=facets.total,
            oldest=facets.oldest,
            newest=facets.newest,
        )

    def detail(self, run_id: str, language: Language, owner: RunOwner | None = None) -> RunDetail:
        record = require_visible(self._store.load(run_id), owner)
        running = [RunningJob(job_id=job.id, kind=job.kind) for job in self._jobs.active_jobs(run_id)]
        return RunDetail(record=record, messages=self._messages(record, language), running=running)

    def delete(self, run_id: str) -> None:
        # The store refuses a run whose step is running; a job still waiting in a queue is only
        # known here, and it would fail later with "run not found".
        if self._jobs.has_active_job(run_id):
            raise AppError("run_in_use", ErrorKind.CONFLICT, run_id=run_id)
        self._store.delete(run_id)

    def _messages(self, record: RunRecord, language: Language) -> dict[str, str]:
        found: dict[str, dict[str, object]] = {}
        errors = [record.error, *(generation.error for generation in record.generations)]
        for error in errors:
            if error is not None:
                found.setdefault(error.code, error.params)
        for verdict in record.safety:
            if verdict.explanation_code:
                found.setdefault(verdict.explanation_code, {})
        return {code: self._translator.translate(code, language, params) for code, params in found.items()}
