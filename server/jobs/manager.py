"""Runs jobs in worker threads, one lane per kind of resource.

A lane has a fixed number of workers: text jobs (LLM calls) run side by side, generation jobs queue
for the one GPU and learn their position. Waiting jobs start round-robin by owner (each student of
a class, and the app's own user), not first come first served. Every job keeps all its events, so a
page that reconnects (or opens later) replays them; waiting readers are woken through a condition
variable.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from server.errors import AppError, ErrorKind
from server.jobs.event_payloads import check_event
from server.jobs.events import JobEvent, JobState
from server.jobs.fair_queue import FairQueue

log = logging.getLogger(__name__)

FINISHED_JOBS_KEPT = 500


class JobCancelledError(Exception):
    """Raised inside a job when it notices it was cancelled."""


class JobBlockedError(Exception):
    """Raised inside a job when the safety check stops it; ``data`` goes into the 'blocked' event."""

    def __init__(self, data: dict[str, object]) -> None:
        super().__init__("blocked")
        self.data = data


class Job:
    def __init__(self, kind: str, lane: str, run_id: str | None, owner: str | None = None) -> None:
        self.id = uuid.uuid4().hex
        self.kind = kind
        self.lane = lane
        self.run_id = run_id
        # Whom the fair queue schedules this job for (a student's RunOwner.queue_key); None: the app's user.
        self.owner = owner
        self.created_at = time.time()
        self._state = JobState.QUEUED
        self._events: list[JobEvent] = []
        self._seq = itertools.count(1)
        self._changed = threading.Condition()
        self._cancelled = threading.Event()
        self._cancel_callbacks: list[Callable[[], None]] = []
        # Only the newest preview image is kept: previews arrive every sampler step and are big,
        # so the event log carries a small marker and the picture is fetched by its index.
        self._preview: tuple[int, bytes, str] | None = None

    @property
    def state(self) -> JobState:
        with self._changed:
            return self._state

    def cancel_requested(self) -> bool:
        return self._cancelled.is_set()

    def emit(self, event_type: str, data: dict[str, object] | None = None) -> JobEvent:
        # Always checked, not only in tests: a shape the client's generated types do not describe
        # is a bug of the job, and it should fail the job where it is made (a log line, an error).
        check_event(event_type, data or {})
        with self._changed:
            event = JobEvent(seq=next(self._seq), type=event_type, data=data or {})
            self._events.append(event)
            self._changed.notify_all()
            return event

    def set_state(self, state: JobState, data: dict[str, object] | None = None) -> None:
        with self._changed:
            if self._state.is_final:
                return
            self._state = state
            self.emit("state", {"state": state.value, **(data or {})})

    def set_preview(self, image: bytes, mime_type: str) -> None:
        with self._changed:
            index = self._preview[0] + 1 if self._preview else 1
            self._preview = (index, image, mime_type)
        self.emit("preview", {"index": index, "mime_type": mime_type})

    def preview(self) -> tuple[int, bytes, str] | None:
        with self._changed:
            return self._preview

    def events_after(self, seq: int, timeout: float) -> list[JobEvent]:
        """Events with a higher sequence number; waits up to ``timeout`` for one if there is none yet."""
        with self._changed:
            if not self._newer(seq) and not self._state.is_final:
                self._changed.wait(timeout)
            return self._newer(seq)

    def _newer(self, seq: int) -> list[JobEvent]:
        # Sequence numbers are 1..n in list order.
        return self._events[seq:] if seq >= 0 else list(self._events)

    def cancel(self) -> None:
        with self._changed:
            if self._state.is_final or self._cancelled.is_set():
                return
            self._cancelled.set()
            callbacks = list(self._cancel_callbacks)
            self._changed.notify_all()
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("cancel callback of job %s failed", self.id)

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Registers a callback (e.g. interrupt ComfyUI); returns a function that removes it."""
        with self._changed:
            call_now = self._cancelled.is_set()
            if not call_now:
                self._cancel_callbacks.append(callback)
        if call_now:
            callback()

        def remove() -> None:
            with self._changed:
                if callback in self._cancel_callbacks:
                    self._cancel_callbacks.remove(callback)

        return remove


class JobContext:
    """What a job function sees of its job."""

    def __init__(self, job: Job) -> None:
        self._job = job

    @property
    def job_id(self) -> str:
        return self._job.id

    @property
    def cancelled(self) -> bool:
        return self._job.cancel_requested()

    def emit(self, event_type: str, data: dict[str, object] | None = None) -> None:
        self._job.emit(event_type, data)

    def set_preview(self, image: bytes, mime_type: str) -> None:
        self._job.set_preview(image, mime_type)

    def check_cancelled(self) -> None:
        if self._job.cancel_requested():
            raise JobCancelledError

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        return self._job.on_cancel(callback)


JobFunction = Callable[[JobContext], dict[str, object] | None]


@dataclass(frozen=True)
class _Queued:
    job: Job
    work: JobFunction


@dataclass(frozen=True)
class QueuedJobView:
    """A job of a lane as the teacher's dashboard shows it: running (position None) or waiting."""

    job_id: str
    kind: str
    owner: str | None
    run_id: str | None
    state: Literal["queued", "running"]
    position: int | None


# Finished jobs whose run time makes the estimate, and how many it takes before there is one.
RECENT_DURATIONS = 10
DURATIONS_FOR_ESTIMATE = 3


class _Lane:
    """A queue with slots: at most ``slots()`` jobs run at once (the generation lane: one per ready
    ComfyUI machine), up to ``workers`` threads. The slot count may change at any time. Which
    waiting job starts next is the fair queue's choice (round-robin by owner, server/jobs/fair_queue.py)."""

    def __init__(
        self,
        name: str,
        workers: int,
        manager: JobManager,
        slots: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._queue: FairQueue[_Queued] = FairQueue()
        self._ready = threading.Condition()
        self._closed = False
        self._paused = False
        self._manager = manager
        self._slots = slots or (lambda: workers)
        self._clock = clock
        self._running: list[Job] = []  # in the order they started
        self._durations: deque[float] = deque(maxlen=RECENT_DURATIONS)
        # Announcing is serialized and each announcer reads the queue inside it, so the last event a
        # job gets always describes the newest order; unchanged payloads are not sent again.
        self._announcing = threading.Lock()
        self._announced: dict[str, dict[str, object]] = {}
        self._threads = [
            threading.Thread(target=self._work, name=f"jobs-{name}-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def put(self, item: _Queued, limit: int | None) -> None:
        """Queues a job; refuses it when its owner already has ``limit`` jobs waiting or running here."""
        owner = item.job.owner
        with self._ready:
            if self._closed:
                # Shut down between the manager's check and here: no worker would ever start it.
                raise AppError("app_shutting_down", ErrorKind.UNAVAILABLE)
            if limit is not None and owner is not None and self._jobs_of(owner) >= limit:
                raise AppError("queue_limit_reached", ErrorKind.CONFLICT, limit=limit)
            self._queue.push(owner, item)
            self._ready.notify()
        self._announce_positions()

    def position(self, job: Job) -> int | None:
        with self._ready:
            for index, item in enumerate(self._queue.order()):
                if item.job is job:
                    return index + 1
        return None

    def remove(self, job: Job) -> bool:
        with self._ready:
            removed = any(self._queue.remove(item) for item in self._queue.order() if item.job is job)
        if removed:
            self._announce_positions()
        return removed

    def pause(self) -> None:
        with self._ready:
            self._paused = True
        self._announce_positions()

    def resume(self) -> None:
        with self._ready:
            self._paused = False
            self._ready.notify_all()
        self._announce_positions()

    def is_paused(self) -> bool:
        with self._ready:
            return self._paused

    def set_teacher_first(self, on: bool) -> None:
        with self._ready:
            self._queue.teacher_first = on
        self._announce_positions()

    def is_teacher_first(self) -> bool:
        with self._ready:
            return self._queue.teacher_first

    def snapshot(self) -> list[QueuedJobView]:
        with self._ready:
            running = list(self._running)
            waiting = [item.job for item in self._queue.order()]
        views = [QueuedJobView(job.id, job.kind, job.owner, job.run_id, "running", None) for job in running]
        views.extend(
            QueuedJobView(job.id, job.kind, job.owner, job.run_id, "queued", index + 1)
            for index, job in enumerate(waiting)
        )
        return views

    def close(self) -> list[Job]:
        with self._ready:
            self._closed = True
            waiting = [item.job for item in self._queue.clear()]
            self._ready.notify_all()
        return waiting

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def slots_changed(self) -> None:
        with self._ready:
            self._ready.notify_all()

    def _jobs_of(self, owner: str) -> int:
        return self._queue.waiting_of(owner) + sum(1 for job in self._running if job.owner == owner)

    def _announce_positions(self) -> None:
        with self._announcing:
            with self._ready:
                waiting = [item.job for item in self._queue.order()]
                paused = self._paused
                per_job = self._mean_duration() if not paused else None
                slots = self._slots()
            announced: dict[str, dict[str, object]] = {}
            for index, job in enumerate(waiting):
                estimate = round(per_job * index / slots) if per_job is not None and slots > 0 else None
                payload: dict[str, object] = {
                    "position": index + 1,
                    "waiting": len(waiting),
                    "ahead": index,
                    "paused": paused,
                    "estimate_s": estimate,
                }
                announced[job.id] = payload
                if self._announced.get(job.id) != payload:
                    job.emit("queue", payload)
            self._announced = announced

    def _mean_duration(self) -> float | None:
        if len(self._durations) < DURATIONS_FOR_ESTIMATE:
            return None
        return sum(self._durations) / len(self._durations)

    def _work(self) -> None:
        while True:
            with self._ready:
                # The timeout re-reads a slot count that changed without a call to slots_changed.
                while not self._closed and (
                    self._paused or not len(self._queue) or len(self._running) >= self._slots()
                ):
                    self._ready.wait(1.0)
                if self._closed:
                    return
                item = self._queue.pop()
                assert item is not None
                self._running.append(item.job)
            self._announce_positions()
            started = self._clock()
            try:
                self._manager.execute(item.job, item.work)
            finally:
                with self._ready:
                    self._running.remove(item.job)
                    # Only jobs that ran to their end say how long a job takes (not one cancelled early).
                    if item.job.state in _RAN_TO_THE_END:
                        self._durations.append(self._clock() - started)
                    self._ready.notify_all()


_RAN_TO_THE_END = (JobState.SUCCEEDED, JobState.FAILED, JobState.BLOCKED)


class JobManager:
    def __init__(
        self,
        lanes: dict[str, int],
        slots: dict[str, Callable[[], int]] | None = None,
        owner_limit: Callable[[str], int | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``lanes``: threads per lane; ``slots``: a lane's changing limit of jobs at once (default: all);
        ``owner_limit``: how many jobs an owner (a student's queue key) may have waiting or running in
        one lane (None: no limit; the app's own user, owner None, is never limited); ``clock``: for
        the run times behind the queue's estimate."""
        chosen = slots or {}
        self._lanes = {
            name: _Lane(name, workers, self, chosen.get(name), clock) for name, workers in lanes.items()
        }
        self._owner_limit = owner_limit
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False

    def submit(
        self, kind: str, lane: str, work: JobFunction, run_id: str | None = None, owner: str | None = None
    ) -> Job:
        if self._closed:
            raise AppError("app_shutting_down", ErrorKind.UNAVAILABLE)
        # Asked outside the lane's lock: the limit's owner (the class) may hold its own lock.
        limit = self._owner_limit(owner) if self._owner_limit is not None and owner is not None else None
        job = Job(kind, lane, run_id, owner)
        job.emit("state", {"state": JobState.QUEUED.value})
        # Known only once queued: a job refused by the owner's limit never existed.
        self._lanes[lane].put(_Queued(job, work), limit)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old_jobs()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise AppError("job_not_found", ErrorKind.NOT_FOUND)
        return job

    def has_active_job(self, run_id: str) -> bool:
        """Whether a job for this run is queued or running (a queued job has not touched the run yet)."""
        with self._lock:
            return any(job.run_id == run_id and not job.state.is_final for job in self._jobs.values())

    def active_jobs(self, run_id: str) -> list[Job]:
        """The run's queued and running jobs, oldest first."""
        with self._lock:
            found = [job for job in self._jobs.values() if job.run_id == run_id and not job.state.is_final]
        return sorted(found, key=lambda job: job.created_at)

    def slots_changed(self, lane: str) -> None:
        """A lane's slot count may have grown: waiting jobs start at once."""
        self._lanes[lane].slots_changed()

    def queue_position(self, job: Job) -> int | None:
        """The job's place in its lane's fair order (1: starts next), None once it runs."""
        return self._lanes[job.lane].position(job)

    def queue_snapshot(self, lane: str) -> list[QueuedJobView]:
        """The lane's running jobs (in the order they started), then the waiting ones in fair order."""
        return self._lanes[lane].snapshot()

    def pause(self, lane: str) -> None:
        """Starts nothing new in the lane (running jobs finish); waiting jobs learn it is paused."""
        self._lanes[lane].pause()

    def resume(self, lane: str) -> None:
        self._lanes[lane].resume()

    def is_paused(self, lane: str) -> bool:
        return self._lanes[lane].is_paused()

    def set_teacher_first(self, lane: str, on: bool) -> None:
        """While on, the app's own user's jobs (owner None: the teacher) start before anyone else's.

        A flag rather than "set_first_owner(owner)": there None would mean both "the teacher" and
        "nobody first"."""
        self._lanes[lane].set_teacher_first(on)

    def is_teacher_first(self, lane: str) -> bool:
        return self._lanes[lane].is_teacher_first()

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        if self._lanes[job.lane].remove(job):
            # It never started: nothing to interrupt.
            job.set_state(JobState.CANCELLED)
        else:
            job.cancel()
        return job

    def execute(self, job: Job, work: JobFunction) -> None:
        if job.cancel_requested():
            job.set_state(JobState.CANCELLED)
            return
        job.set_state(JobState.RUNNING)
        try:
            result = work(JobContext(job))
        except JobCancelledError:
            job.set_state(JobState.CANCELLED)
        except JobBlockedError as blocked:
            job.emit("blocked", blocked.data)
            job.set_state(JobState.BLOCKED)
        except AppError as error:
            job.emit("error", {"code": error.code, "params": _plain(error.params)})
            job.set_state(JobState.FAILED)
        except Exception:
            log.exception("job %s (%s) failed unexpectedly", job.id, job.kind)
            job.emit("error", {"code": "internal_error", "params": {}})
            job.set_state(JobState.FAILED)
        else:
            if job.cancel_requested():
                job.set_state(JobState.CANCELLED)
            else:
                job.set_state(JobState.SUCCEEDED, {"result": result or {}})

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancels every job (queued ones at once, running ones through their cancel callbacks)."""
        self._closed = True
        for lane in self._lanes.values():
            for job in lane.close():
                job.set_state(JobState.CANCELLED)
        with self._lock:
            running = [job for job in self._jobs.values() if not job.state.is_final]
        for job in running:
            job.cancel()
        deadline = time.monotonic() + timeout
        for lane in self._lanes.values():
            lane.join(max(0.0, deadline - time.monotonic()))

    def _forget_old_jobs(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.state.is_final]
        for job_id in finished[: max(0, len(finished) - FINISHED_JOBS_KEPT)]:
            del self._jobs[job_id]


def _plain(params: dict[str, object]) -> dict[str, object]:
    return {key: _plain_value(value) for key, value in params.items()}


def _plain_value(value: object) -> object:
    if isinstance(value, int | float | bool):
        return value
    # A parameter that differs by language ({"de": "4,9 GB", "en": "4.9 GB"}) stays one.
    if isinstance(value, dict) and set(value) == {"de", "en"}:
        return {language: str(text) for language, text in value.items()}
    return str(value)
