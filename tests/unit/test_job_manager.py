"""Jobs in worker lanes: events in order, queue positions, cancel, failures and blocks."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from server.errors import AppError, ErrorKind
from server.jobs.events import JobState
from server.jobs.manager import Job, JobBlockedError, JobContext, JobManager


@pytest.fixture
def jobs() -> Iterator[JobManager]:
    manager = JobManager({"text": 2, "gpu": 1})
    yield manager
    manager.shutdown(timeout=5)


def wait_final(job: Job, timeout: float = 10.0) -> list[str]:
    seen = 0
    types = []
    while not job.state.is_final:
        for event in job.events_after(seen, timeout):
            seen = event.seq
            types.append(event.type)
    types.extend(event.type for event in job.events_after(seen, 0))
    return types


def final_state(job: Job) -> JobState:
    return job.state


def test_events_arrive_in_order_and_the_result_is_reported(jobs: JobManager) -> None:
    def work(ctx: JobContext) -> dict[str, object]:
        for word in ("a", "b", "c"):
            ctx.emit("token", {"stage": "interception", "text": word})
        return {"text": "abc"}

    job = jobs.submit("demo", "text", work)
    wait_final(job)
    events = job.events_after(0, 0)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.data["text"] for e in events if e.type == "token"] == ["a", "b", "c"]
    assert events[-1].type == "state"
    assert events[-1].data == {"state": "succeeded", "result": {"text": "abc"}}


def test_a_late_reader_gets_only_what_it_missed(jobs: JobManager) -> None:
    job = jobs.submit("demo", "text", lambda ctx: ctx.emit("token", {"stage": "interception", "text": "x"}))
    wait_final(job)
    everything = job.events_after(0, 0)
    assert job.events_after(2, 0) == everything[2:]


def test_app_error_becomes_an_error_event_with_code_and_params(jobs: JobManager) -> None:
    def work(ctx: JobContext) -> None:
        raise AppError("llm_unreachable", ErrorKind.UNAVAILABLE, url="http://127.0.0.1:1")

    job = jobs.submit("demo", "text", work)
    wait_final(job)
    assert job.state is JobState.FAILED
    error = next(e for e in job.events_after(0, 0) if e.type == "error")
    assert error.data == {"code": "llm_unreachable", "params": {"url": "http://127.0.0.1:1"}}


def test_unexpected_exception_is_an_internal_error_not_a_traceback(jobs: JobManager) -> None:
    def work(ctx: JobContext) -> None:
        raise ZeroDivisionError("boom")

    job = jobs.submit("demo", "text", work)
    wait_final(job)
    error = next(e for e in job.events_after(0, 0) if e.type == "error")
    assert error.data == {"code": "internal_error", "params": {}}


def test_blocked_is_a_result_of_its_own(jobs: JobManager) -> None:
    def work(ctx: JobContext) -> None:
        raise JobBlockedError(
            {"code": "safety_blocked_violence", "params": {}, "stage": "input", "category": "violence"}
        )

    job = jobs.submit("demo", "text", work)
    assert wait_final(job)[-2:] == ["blocked", "state"]
    assert job.state is JobState.BLOCKED


def test_queued_jobs_learn_their_position_and_can_be_cancelled_before_they_start(jobs: JobManager) -> None:
    release = threading.Event()
    started = threading.Event()

    def slow(ctx: JobContext) -> None:
        started.set()
        release.wait(10)

    first = jobs.submit("gen", "gpu", slow)
    assert started.wait(5)
    second = jobs.submit("gen", "gpu", lambda ctx: None)
    third = jobs.submit("gen", "gpu", lambda ctx: None)
    assert jobs.queue_position(second) == 1
    assert jobs.queue_position(third) == 2
    jobs.cancel(second.id)
    assert second.state is JobState.CANCELLED
    assert jobs.queue_position(third) == 1
    positions = [e.data["position"] for e in third.events_after(0, 0) if e.type == "queue"]
    assert positions[-1] == 1
    release.set()
    wait_final(first)
    wait_final(third)
    assert third.state is JobState.SUCCEEDED
    # A cancelled queued job never ran.
    assert "running" not in [e.data.get("state") for e in second.events_after(0, 0)]


def test_cancel_of_a_running_job_calls_its_cancel_callbacks(jobs: JobManager) -> None:
    interrupted = threading.Event()

    def work(ctx: JobContext) -> None:
        ctx.on_cancel(interrupted.set)
        interrupted.wait(10)
        ctx.check_cancelled()

    job = jobs.submit("gen", "gpu", work)
    while job.state is not JobState.RUNNING:
        job.events_after(job.events_after(0, 0)[-1].seq, 1)
    jobs.cancel(job.id)
    wait_final(job)
    assert interrupted.is_set()
    assert final_state(job) is JobState.CANCELLED


def test_shutdown_cancels_running_and_queued_jobs() -> None:
    manager = JobManager({"gpu": 1})
    started = threading.Event()

    def work(ctx: JobContext) -> None:
        started.set()
        while not ctx.cancelled:
            threading.Event().wait(0.01)
        ctx.check_cancelled()

    running = manager.submit("gen", "gpu", work)
    assert started.wait(5)
    queued = manager.submit("gen", "gpu", lambda ctx: None)
    manager.shutdown(timeout=5)
    assert running.state is JobState.CANCELLED
    assert queued.state is JobState.CANCELLED
    with pytest.raises(AppError):
        manager.submit("gen", "gpu", lambda ctx: None)


def test_unknown_job_is_not_found(jobs: JobManager) -> None:
    with pytest.raises(AppError) as raised:
        jobs.get("nope")
    assert raised.value.kind is ErrorKind.NOT_FOUND


def test_an_event_of_the_wrong_shape_fails_the_job_where_it_is_made(jobs: JobManager) -> None:
    """Event data is checked against its model (server/jobs/event_payloads.py) when it is emitted."""
    job = jobs.submit("demo", "text", lambda ctx: ctx.emit("token", {"text": "no stage"}))
    wait_final(job)
    assert job.state is JobState.FAILED
    assert [e.data for e in job.events_after(0, 0) if e.type == "token"] == []


def test_an_event_without_a_model_fails_the_job(jobs: JobManager) -> None:
    job = jobs.submit("demo", "text", lambda ctx: ctx.emit("sparkles", {}))
    wait_final(job)
    assert job.state is JobState.FAILED
