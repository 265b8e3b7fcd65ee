"""The generation lane as a scheduler with slots: as many jobs at once as it has slots, which change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from server.jobs.events import JobState
from server.jobs.manager import JobContext, JobManager


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_a_lane_runs_as_many_jobs_as_it_has_slots_and_grows_when_told() -> None:
    slots = [1]
    release = threading.Event()
    running: list[str] = []
    lock = threading.Lock()

    def work(ctx: JobContext) -> None:
        with lock:
            running.append(ctx.job_id)
        release.wait(30)

    manager = JobManager({"generation": 4}, slots={"generation": lambda: slots[0]})
    try:
        jobs = [manager.submit("generation", "generation", work) for _ in range(3)]
        wait_for(lambda: len(running) == 1, "one job runs")
        assert [job.state for job in jobs].count(JobState.QUEUED) == 2
        assert manager.queue_position(jobs[2]) == 2

        slots[0] = 2
        manager.slots_changed("generation")
        wait_for(lambda: len(running) == 2, "a second job starts at once")
        assert manager.queue_position(jobs[2]) == 1
        release.set()
        wait_for(lambda: all(job.state is JobState.SUCCEEDED for job in jobs), "all done")
    finally:
        release.set()
        manager.shutdown(5.0)
