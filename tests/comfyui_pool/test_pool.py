"""The pool against three ComfyUI test servers (real processes, real HTTP and websockets): what each
machine can do, dispatch by models and by load, two jobs side by side, cancel, a machine that dies
mid-job and comes back, an address that never answers, a reverse proxy that wants a header."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.comfyui.client import ClientTimeouts
from server.comfyui.pool import LOST_CODES, ComfyUIPool, MachineSpec, MachineState, PoolTimings
from server.comfyui.prompt_events import Failed, Interrupted, Progress, PromptEvent, Succeeded
from server.errors import AppError
from tests.comfyui_pool.machines import HeaderProxy, TestMachine
from tests.comfyui_runtime.workflows import sampler
from tests.support.app_process import free_port

TIMINGS = PoolTimings(probe_interval_s=0.2, models_interval_s=0.5, connect_timeout_s=5.0)
TIMEOUTS = ClientTimeouts(idle_check_s=1.0, reconnect_delays_s=(0.1, 0.2, 0.5))
DEADLINE_S = 60.0

MakeMachine = Callable[..., TestMachine]


@pytest.fixture
def make_machine(tmp_path: Path) -> Iterator[MakeMachine]:
    started: list[TestMachine] = []

    def make(name: str, **options: object) -> TestMachine:
        machine = TestMachine(tmp_path / name, **options)  # type: ignore[arg-type]
        started.append(machine)
        return machine.start()

    yield make
    for machine in started:
        machine.kill()


@pytest.fixture
def pools() -> Iterator[Callable[[list[MachineSpec]], ComfyUIPool]]:
    made: list[ComfyUIPool] = []

    def make(specs: list[MachineSpec]) -> ComfyUIPool:
        pool = ComfyUIPool(lambda: specs, timings=TIMINGS, client_timeouts=TIMEOUTS)
        pool.start()
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.shutdown()


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def state(pool: ComfyUIPool, url: str) -> MachineState:
    return next(status.state for status in pool.statuses() if status.url == url)


def ready(pool: ComfyUIPool, *machines: TestMachine) -> None:
    for machine in machines:
        url = machine.url
        wait_for(lambda: state(pool, url) is MachineState.READY, f"{url} ready")  # noqa: B023


def test_a_generation_goes_to_a_machine_that_has_its_model(
    make_machine: MakeMachine, pools: Callable[[list[MachineSpec]], ComfyUIPool]
) -> None:
    a = make_machine("a", checkpoints=("apple.safetensors",))
    b = make_machine("b", checkpoints=("banana.safetensors", "apple.safetensors"))
    c = make_machine("c", checkpoints=("cherry.safetensors",))
    pool = pools([MachineSpec(a.url, "A"), MachineSpec(b.url, "B"), MachineSpec(c.url, "C")])
    ready(pool, a, b, c)

    assert pool.where(sampler("x", "apple.safetensors")) == (2, 3)
    assert pool.where(sampler("x", "cherry.safetensors")) == (1, 3)
    files = {status.name: status.model_files for status in pool.statuses()}
    assert "banana.safetensors" in files["B"] and "banana.safetensors" not in files["A"]
    for _ in range(3):
        lease = pool.lease(sampler("x", "banana.safetensors"), frozenset(), 5.0)
        assert lease.machine_name == "B"
        lease.release()
    lease = pool.lease(sampler("x", "cherry.safetensors"), frozenset(), 5.0)
    assert lease.machine_name == "C"
    lease.release()
    with pytest.raises(AppError) as refused:
        pool.lease(sampler("x", "durian.safetensors"), frozenset(), 5.0)
    assert refused.value.code == "comfyui_pool_no_machine"


def test_the_next_generation_goes_where_it_starts_soonest(
    make_machine: MakeMachine, pools: Callable[[list[MachineSpec]], ComfyUIPool]
) -> None:
    machines = [make_machine(name, checkpoints=("apple.safetensors",)) for name in "abc"]
    pool = pools([MachineSpec(m.url, m.folder.name) for m in machines])
    ready(pool, *machines)
    workflow = sampler("x", "apple.safetensors")
    leases = [pool.lease(workflow, frozenset(), 5.0) for _ in range(3)]
    assert sorted(lease.machine_name for lease in leases) == ["a", "b", "c"]
    assert pool.slots() == 3
    busy = {status.name: status.in_flight for status in pool.statuses()}
    assert busy == {"a": 1, "b": 1, "c": 1}
    freed = leases[1]
    freed.release()
    again = pool.lease(workflow, frozenset(), 5.0)
    assert again.machine_name == freed.machine_name
    for lease in (leases[0], leases[2], again):
        lease.release()


def collect(events: Iterator[PromptEvent], into: list[PromptEvent]) -> threading.Thread:
    def run() -> None:
        for event in events:
            into.append(event)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_two_jobs_progress_side_by_side_and_each_can_be_cancelled(
    make_machine: MakeMachine, pools: Callable[[list[MachineSpec]], ComfyUIPool]
) -> None:
    # Held after the first step: both run until cancelled, however busy this computer is.
    a = make_machine("a", checkpoints=("apple.safetensors",), hold_class="KSampler")
    b = make_machine("b", checkpoints=("apple.safetensors",), hold_class="KSampler")
    pool = pools([MachineSpec(a.url, "A"), MachineSpec(b.url, "B")])
    ready(pool, a, b)
    workflow = sampler("side-by-side", "apple.safetensors")
    leases = [pool.lease(workflow, frozenset(), 5.0) for _ in range(2)]
    assert {lease.machine_name for lease in leases} == {"A", "B"}
    handles = [lease.client.submit(workflow, label="test") for lease in leases]
    seen: list[list[PromptEvent]] = [[], []]
    threads = [collect(handle.events(60.0), into) for handle, into in zip(handles, seen, strict=True)]
    # Both sample at the same time: each shows progress while the other is still running.
    wait_for(lambda: all(any(isinstance(e, Progress) for e in events) for events in seen), "both progress")
    assert a.running_prompts() == 1 and b.running_prompts() == 1
    for lease, handle in zip(leases, handles, strict=True):
        lease.client.cancel(handle.prompt_id)
    for thread in threads:
        thread.join(DEADLINE_S)
    assert [type(events[-1]) for events in seen] == [Interrupted, Interrupted]
    for lease in leases:
        lease.release()


def test_a_machine_that_dies_mid_job_ends_the_job_and_is_used_again_when_it_is_back(
    make_machine: MakeMachine, pools: Callable[[list[MachineSpec]], ComfyUIPool]
) -> None:
    # A's job is held after its first step, so it is surely still running when A is killed.
    a = make_machine("a", checkpoints=("apple.safetensors",), hold_class="KSampler")
    b = make_machine("b", checkpoints=("apple.safetensors",))
    pool = pools([MachineSpec(a.url, "A"), MachineSpec(b.url, "B")])
    ready(pool, a, b)
    workflow = sampler("dies", "apple.safetensors")
    lease = pool.lease(workflow, frozenset({pool.statuses()[1].id}), 5.0)
    assert lease.machine_name == "A"
    handle = lease.client.submit(workflow, label="test")
    seen: list[PromptEvent] = []
    thread = collect(handle.events(120.0), seen)
    wait_for(lambda: any(isinstance(e, Progress) for e in seen), "the job runs on A")

    a.kill()
    thread.join(DEADLINE_S)
    assert not thread.is_alive(), "no job waits forever on a dead machine"
    final = seen[-1]
    assert isinstance(final, Failed) and final.code in LOST_CODES
    assert lease.lost()
    lease.release()
    assert state(pool, a.url) is MachineState.UNREACHABLE
    assert pool.slots() == 1
    # The same workflow goes to the other machine and finishes there.
    retry = pool.lease(workflow, frozenset({lease.machine_id}), 5.0)
    assert retry.machine_name == "B"
    assert isinstance(retry.client.submit(workflow, label="test").wait(60.0), Succeeded)
    retry.release(succeeded=True)

    a.start()
    ready(pool, a)
    back = pool.lease(workflow, frozenset({retry.machine_id}), 5.0)
    assert back.machine_name == "A"
    back.release()


def test_an_address_that_never_answers_is_unreachable_and_the_others_work(
    make_machine: MakeMachine, pools: Callable[[list[MachineSpec]], ComfyUIPool]
) -> None:
    a = make_machine("a", checkpoints=("apple.safetensors",))
    nowhere = f"http://127.0.0.2:{free_port()}"
    pool = pools([MachineSpec(nowhere, "Server room"), MachineSpec(a.url, "A")])
    ready(pool, a)
    wait_for(lambda: state(pool, nowhere) is MachineState.UNREACHABLE, "unreachable")
    status = next(s for s in pool.statuses() if s.url == nowhere)
    assert status.reason == "comfyui_unreachable"
    lease = pool.lease(sampler("x", "apple.safetensors"), frozenset(), 5.0)
    assert lease.machine_name == "A"
    lease.release()
    assert pool.slots() == 1


def test_a_machine_behind_a_proxy_gets_its_header_which_is_never_logged_or_shown(
    make_machine: MakeMachine,
    pools: Callable[[list[MachineSpec]], ComfyUIPool],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Basic c2NodWxlOmdlaGVpbTEyMw=="
    a = make_machine("a", checkpoints=("apple.safetensors",))
    proxy = HeaderProxy(a.port, "Authorization", secret)
    try:
        without = pools([MachineSpec(proxy.url, "No login")])
        wait_for(lambda: state(without, proxy.url) is MachineState.FAILED, "refused without header")
        assert proxy.refused > 0

        pool = pools([MachineSpec(proxy.url, "School server", header=("Authorization", secret))])
        wait_for(lambda: state(pool, proxy.url) is MachineState.READY, "ready with header")
        workflow = sampler("proxied", "apple.safetensors")
        lease = pool.lease(workflow, frozenset(), 5.0)
        assert isinstance(lease.client.submit(workflow, label="test").wait(60.0), Succeeded)
        lease.release(succeeded=True)
        shown = [status.model_dump_json() for status in pool.statuses()]
        assert all(secret not in text and "c2NodWxl" not in text for text in shown)
        assert any('"has_header":true' in text for text in shown)
    finally:
        proxy.close()
    assert secret not in caplog.text and "c2NodWxl" not in caplog.text
