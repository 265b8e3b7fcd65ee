"""The job lanes as a fair scheduler: round-robin starts, a per-owner limit, pause, teacher first,
and queue events that tell each waiting job its place in that order.

Every job here blocks on its own gate, so the test decides when a job ends and the lane chooses
which one starts next; nothing depends on how fast the machine is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from server.api.errors import STATUS_BY_KIND
from server.errors import AppError, ErrorKind
from server.i18n.translator import Translator
from server.jobs.events import JobState
from server.jobs.manager import Job, JobContext, JobManager, QueuedJobView

LANE = "generation"


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


class Gates:
    """Jobs that record their start and wait until the test lets them finish."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self._gates: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def work(self, ctx: JobContext) -> None:
        with self._lock:
            gate = self._gates.setdefault(ctx.job_id, threading.Event())
            self.started.append(ctx.job_id)
        ctx.on_cancel(gate.set)
        gate.wait(30)

    def wait_started(self, count: int) -> None:
        wait_for(lambda: len(self.started) >= count, f"{count} jobs started")

    def finish(self, job: Job) -> None:
        with self._lock:
            self._gates.setdefault(job.id, threading.Event()).set()
        wait_for(lambda: job.state.is_final, "the job ends")

    def finish_all(self) -> None:
        with self._lock:
            for gate in self._gates.values():
                gate.set()


@pytest.fixture
def gates() -> Iterator[Gates]:
    made = Gates()
    yield made
    made.finish_all()


def last_queue_event(job: Job) -> dict[str, object] | None:
    events = [event.data for event in job.events_after(0, 0) if event.type == "queue"]
    return events[-1] if events else None


def manager_with(
    slots: int = 1, limit: int | None = None, clock: Callable[[], float] = time.monotonic
) -> JobManager:
    return JobManager({LANE: slots, "text": 2}, owner_limit=lambda owner: limit, clock=clock)


@pytest.mark.parametrize("submitting", ["each owner all at once", "one job of each owner in turn"])
def test_five_students_with_three_jobs_each_start_round_robin(gates: Gates, submitting: str) -> None:
    """The issue's fairness test: N = 3, five students submit three jobs each into a one-slot lane."""
    manager = manager_with(limit=3)
    owners = [f"o{number}" for number in range(1, 6)]
    try:
        if submitting == "each owner all at once":
            submissions = [owner for owner in owners for _ in range(3)]
        else:
            submissions = [owner for _ in range(3) for owner in owners]
        jobs = {
            manager.submit("generation", LANE, gates.work, owner=owner).id: owner for owner in submissions
        }
        for count in range(1, 16):
            gates.wait_started(count)
            gates.finish(manager.get(gates.started[count - 1]))
        assert [jobs[job_id] for job_id in gates.started] == owners * 3
    finally:
        manager.shutdown(5.0)


def test_one_job_more_than_the_limit_is_refused_and_counts_running_jobs(gates: Gates) -> None:
    manager = manager_with(limit=2)
    try:
        running = manager.submit("generation", LANE, gates.work, owner="o1")
        gates.wait_started(1)
        manager.submit("generation", LANE, gates.work, owner="o1")
        with pytest.raises(AppError) as refused:
            manager.submit("generation", LANE, gates.work, owner="o1")
        assert refused.value.code == "queue_limit_reached"
        assert refused.value.kind is ErrorKind.CONFLICT
        assert refused.value.params == {"limit": 2}
        assert STATUS_BY_KIND[refused.value.kind] == 409
        for language in ("de", "en"):
            assert "2" in Translator().translate("queue_limit_reached", language, refused.value.params)
        # The refused job never existed: only the two accepted ones are in the lane.
        assert [view.owner for view in manager.queue_snapshot(LANE)] == ["o1", "o1"]

        # Others, other lanes and the teacher (owner None) are not limited by o1's jobs.
        manager.submit("generation", LANE, gates.work, owner="o2")
        manager.submit("interception", "text", lambda ctx: None, owner="o1")
        for _ in range(4):
            manager.submit("generation", LANE, gates.work, owner=None)

        gates.finish(running)
        manager.submit("generation", LANE, gates.work, owner="o1")
    finally:
        manager.shutdown(5.0)


def test_a_paused_lane_starts_nothing_until_it_is_resumed(gates: Gates) -> None:
    manager = manager_with()
    try:
        running = manager.submit("generation", LANE, gates.work, owner="o1")
        gates.wait_started(1)
        first = manager.submit("generation", LANE, gates.work, owner="o2")
        second = manager.submit("generation", LANE, gates.work, owner="o3")
        manager.pause(LANE)
        assert manager.is_paused(LANE)
        assert last_queue_event(second) == {
            "position": 2,
            "waiting": 2,
            "ahead": 1,
            "paused": True,
            "estimate_s": None,
        }
        # The running job finishes; its slot stays free while the lane is paused.
        gates.finish(running)
        time.sleep(0.3)
        assert (first.state, second.state) == (JobState.QUEUED, JobState.QUEUED)
        assert manager.queue_position(first) == 1

        manager.resume(LANE)
        assert not manager.is_paused(LANE)
        gates.wait_started(2)
        assert gates.started[1] == first.id
        wait_for(
            lambda: (
                last_queue_event(second)
                == {"position": 1, "waiting": 1, "ahead": 0, "paused": False, "estimate_s": None}
            ),
            "the job still waiting learns the queue runs again",
        )
    finally:
        manager.shutdown(5.0)


def test_teacher_first_starts_the_teachers_jobs_before_the_students(gates: Gates) -> None:
    manager = manager_with()
    try:
        blocker = manager.submit("generation", LANE, gates.work, owner="o1")
        gates.wait_started(1)
        student = manager.submit("generation", LANE, gates.work, owner="o2")
        teacher = manager.submit("generation", LANE, gates.work, owner=None)
        assert manager.queue_position(teacher) == 2
        assert not manager.is_teacher_first(LANE)

        manager.set_teacher_first(LANE, True)
        assert manager.is_teacher_first(LANE)
        assert manager.queue_position(teacher) == 1
        # Switching it on changes the order, so both are told their new place.
        assert (last_queue_event(teacher) or {}).get("position") == 1
        assert (last_queue_event(student) or {}).get("position") == 2

        gates.finish(blocker)
        gates.wait_started(2)
        assert gates.started[1] == teacher.id

        manager.set_teacher_first(LANE, False)
        assert not manager.is_teacher_first(LANE)
    finally:
        manager.shutdown(5.0)


def test_queue_events_give_each_job_its_place_in_the_fair_order(gates: Gates) -> None:
    manager = manager_with()
    try:
        blocker = manager.submit("generation", LANE, gates.work, owner="o1")
        gates.wait_started(1)
        a = manager.submit("generation", LANE, gates.work, owner="o1")
        b = manager.submit("generation", LANE, gates.work, owner="o1")
        c = manager.submit("generation", LANE, gates.work, owner="o2")

        # First come would be a, b, c; fair is c (o2 has had nothing yet), a, b.
        def places() -> list[object]:
            return [(last_queue_event(job) or {}).get("position") for job in (a, b, c)]

        assert places() == [2, 3, 1]
        assert last_queue_event(b) == {
            "position": 3,
            "waiting": 3,
            "ahead": 2,
            "paused": False,
            "estimate_s": None,
        }
        assert [manager.queue_position(job) for job in (a, b, c)] == [2, 3, 1]

        manager.cancel(c.id)
        assert c.state is JobState.CANCELLED
        assert places()[:2] == [1, 2]
        assert last_queue_event(b) == {
            "position": 2,
            "waiting": 2,
            "ahead": 1,
            "paused": False,
            "estimate_s": None,
        }

        gates.finish(blocker)
        gates.wait_started(2)
        assert gates.started[1] == a.id
        wait_for(
            lambda: (
                last_queue_event(b)
                == {"position": 1, "waiting": 1, "ahead": 0, "paused": False, "estimate_s": None}
            ),
            "b is told it is next",
        )
    finally:
        manager.shutdown(5.0)


def test_the_snapshot_lists_running_then_waiting_jobs_in_fair_order(gates: Gates) -> None:
    manager = manager_with()
    try:
        blocker = manager.submit("generation", LANE, gates.work, run_id="r0", owner="o1")
        gates.wait_started(1)
        a = manager.submit("generation", LANE, gates.work, run_id="r1", owner="o1")
        t = manager.submit("generation", LANE, gates.work, run_id="r2", owner=None)
        assert manager.queue_snapshot(LANE) == [
            QueuedJobView(blocker.id, "generation", "o1", "r0", "running", None),
            QueuedJobView(t.id, "generation", None, "r2", "queued", 1),
            QueuedJobView(a.id, "generation", "o1", "r1", "queued", 2),
        ]
        assert manager.queue_snapshot("text") == []
    finally:
        manager.shutdown(5.0)


class SteppedClock:
    """A clock that moves only when a job says how long it took."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_estimate_comes_after_three_finished_jobs_from_their_mean_time_per_slot(gates: Gates) -> None:
    clock = SteppedClock()
    manager = manager_with(slots=2, clock=clock)

    def run_timed(seconds: float) -> None:
        def work(ctx: JobContext) -> None:
            clock.now += seconds

        job = manager.submit("generation", LANE, work)
        wait_for(lambda: job.state is JobState.SUCCEEDED, "a timed job ends")

    try:
        # One at a time, so each run time is exactly what the job added to the clock.
        for seconds in (8.0, 12.0):
            run_timed(seconds)
        blockers = [manager.submit("generation", LANE, gates.work) for _ in range(2)]
        gates.wait_started(2)
        early = manager.submit("generation", LANE, gates.work, owner="o1")
        assert last_queue_event(early) == {
            "position": 1,
            "waiting": 1,
            "ahead": 0,
            "paused": False,
            "estimate_s": None,
        }
        for job in (early, *blockers):
            manager.cancel(job.id)
        wait_for(lambda: all(job.state is JobState.CANCELLED for job in blockers), "blockers cancelled")
        wait_for(lambda: manager.queue_snapshot(LANE) == [], "lane idle")

        # Cancelled jobs do not count; the third finished one makes the mean (8 + 12 + 10) / 3 = 10.
        run_timed(10.0)
        manager.submit("generation", LANE, gates.work)
        manager.submit("generation", LANE, gates.work)
        gates.wait_started(4)
        waiting = [manager.submit("generation", LANE, gates.work, owner=f"o{n}") for n in range(1, 4)]
        # Two slots: the jobs ahead are shared between them.
        assert [(last_queue_event(job) or {}).get("estimate_s") for job in waiting] == [0, 5, 10]
    finally:
        manager.shutdown(5.0)
