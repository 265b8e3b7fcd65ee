"""The fair job queue's controls as a class uses them: pause, teacher first, and what is waiting.

The lanes a class pauses: generation (the one GPU everyone waits for). Text jobs (the LLM steps)
stay quick and keep running, so a paused class can still write and transform ideas.

The queue's own methods come with the fair queue (server/jobs/manager.py: ``pause``, ``resume``,
``set_teacher_first``, ``queue_snapshot``); a JobManager without them ignores the controls and shows
no queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from server.jobs.manager import JobManager

PAUSED_LANES = ("generation",)
SHOWN_LANES = ("generation", "text")


@dataclass(frozen=True)
class QueuedJob:
    job_id: str
    kind: str
    owner: str | None
    state: str
    position: int | None


class QueueControl:
    def __init__(self, jobs: JobManager) -> None:
        self._jobs = jobs

    def set_paused(self, paused: bool) -> None:
        method = self._method("pause" if paused else "resume")
        for lane in PAUSED_LANES:
            if method is not None:
                method(lane)

    def set_teacher_first(self, on: bool) -> None:
        method = self._method("set_teacher_first")
        for lane in SHOWN_LANES:
            if method is not None:
                method(lane, on)

    def snapshot(self) -> list[QueuedJob]:
        method = self._method("queue_snapshot")
        if method is None:
            return []
        return [
            QueuedJob(view.job_id, view.kind, view.owner, view.state, view.position)
            for lane in SHOWN_LANES
            for view in method(lane)
        ]

    def _method(self, name: str) -> Callable[..., Any] | None:
        method = getattr(self._jobs, name, None)
        return method if callable(method) else None
