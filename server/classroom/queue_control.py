"""The fair job queue's controls as a class uses them: pause, teacher first, and what is waiting.

The lanes a class pauses: generation (the one GPU everyone waits for). Text jobs (the LLM steps)
stay quick and keep running, so a paused class can still write and transform ideas.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        for lane in PAUSED_LANES:
            if paused:
                self._jobs.pause(lane)
            else:
                self._jobs.resume(lane)

    def set_teacher_first(self, on: bool) -> None:
        for lane in SHOWN_LANES:
            self._jobs.set_teacher_first(lane, on)

    def snapshot(self) -> list[QueuedJob]:
        return [
            QueuedJob(view.job_id, view.kind, view.owner, view.state, view.position)
            for lane in SHOWN_LANES
            for view in self._jobs.queue_snapshot(lane)
        ]
