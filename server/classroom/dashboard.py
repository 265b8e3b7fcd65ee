"""The teacher's view of the open class: each student's step and latest result, the queue, the blocks.

Everything comes from what already exists: the class's runs in the run index (each names its owner),
the jobs of those runs, and the fair queue's snapshot. Nothing here is stored.
"""

from __future__ import annotations

from server.classroom.classroom import Classroom, OpenClass, Student
from server.classroom.queue_control import QueueControl
from server.classroom.views import BlockView, ClassDashboard, QueueEntryView, StudentStep, StudentView
from server.errors import AppError
from server.jobs.events import JobState
from server.jobs.manager import JobManager
from server.runs.models import RunStatus
from server.runs.run_index import RunFilter
from server.runs.store import RunStore
from server.runs.summary import RunSummary

# The newest runs of a class the dashboard looks through for blocks (a lesson makes far fewer).
MAX_CLASS_RUNS = 2000
GENERATION_KINDS = frozenset({"generation"})


class ClassDashboards:
    def __init__(self, classroom: Classroom, runs: RunStore, jobs: JobManager, queue: QueueControl) -> None:
        self._classroom = classroom
        self._runs = runs
        self._jobs = jobs
        self._queue = queue

    def snapshot(self) -> ClassDashboard | None:
        open_class = self._classroom.current
        if open_class is None:
            return None
        class_runs = self._runs.index.page(RunFilter(class_id=open_class.id), 0, MAX_CLASS_RUNS).runs
        latest: dict[str, RunSummary] = {}
        for summary in class_runs:  # newest first
            if summary.owner is not None:
                latest.setdefault(summary.owner.student_id, summary)
        students = [
            self._student_view(student, latest.get(student.id)) for student in self._classroom.students()
        ]
        return ClassDashboard(
            students=sorted(students, key=lambda view: view.nickname.casefold()),
            queue=self._queue_view(open_class),
            blocks=self._blocks(class_runs),
            paused=open_class.paused,
            teacher_first=open_class.teacher_first,
            projected_run_id=open_class.projected_run_id,
        )

    def _student_view(self, student: Student, run: RunSummary | None) -> StudentView:
        media_url = None
        if run is not None and run.cover is not None and not run.hidden_from_class:
            media_url = f"/api/runs/{run.id}/media/{run.cover.name}"
        return StudentView(
            id=student.id,
            nickname=student.nickname,
            connected=self._classroom.connected(student),
            step=self._step(run),
            latest_idea=None if run is None else run.idea,
            latest_run_id=None if run is None else run.id,
            latest_media_url=media_url,
        )

    def _step(self, run: RunSummary | None) -> StudentStep:
        if run is None:
            return "joined"
        active = self._jobs.active_jobs(run.id)
        generating = [job for job in active if job.kind in GENERATION_KINDS]
        if generating:
            return "generating" if any(job.state is JobState.RUNNING for job in generating) else "waiting"
        if active:
            return "transforming"
        if run.status is RunStatus.BLOCKED:
            return "blocked"
        return "done" if run.generations or run.text_result is not None else "writing"

    def _queue_view(self, open_class: OpenClass) -> list[QueueEntryView]:
        nicknames = {f"{open_class.id}:{student.id}": student for student in self._classroom.students()}
        entries = []
        for job in self._queue.snapshot():
            student = nicknames.get(job.owner or "")
            entries.append(
                QueueEntryView(
                    job_id=job.job_id,
                    kind=job.kind,
                    student_id=None if student is None else student.id,
                    nickname=None if student is None else student.nickname,
                    state="running" if job.state == "running" else "queued",
                    position=job.position,
                )
            )
        return entries

    def _blocks(self, class_runs: list[RunSummary]) -> list[BlockView]:
        blocks = []
        for summary in class_runs:
            if summary.status is not RunStatus.BLOCKED or summary.owner is None:
                continue
            try:
                record = self._runs.load(summary.id)
            except AppError:
                # A damaged run has no verdict to show; the gallery shows it as damaged.
                continue
            verdict = next((each for each in reversed(record.safety) if each.decision == "blocked"), None)
            if verdict is None:
                continue
            blocks.append(
                BlockView(
                    run_id=summary.id,
                    student_id=summary.owner.student_id,
                    nickname=summary.owner.nickname,
                    idea=record.idea,
                    category=verdict.category,
                    at=verdict.at,
                )
            )
        return blocks
