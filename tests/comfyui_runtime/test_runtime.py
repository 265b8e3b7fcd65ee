"""The runtime service: a connected client when ComfyUI is ready, a fresh one after a restart."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.comfyui.pool import MachineState, PoolTimings
from server.comfyui.prompt_events import ExecutionStarted, Failed, PromptEvent, Succeeded
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.status import ComfyUIState
from server.comfyui.supervisor import SupervisorTimings
from server.notices import Notices
from server.settings.models import ComfyUIMode, ComfyUISettings
from server.settings.paths import AppPaths
from server.settings.store import SettingsStore
from tests.comfyui_runtime import workflows
from tests.comfyui_runtime.rig import FAST_RESTARTS, StatusRecorder
from tests.comfyui_runtime.targets import ComfyUITarget
from tests.comfyui_runtime.tree_wrapper import wait_until_gone

LABEL = "Test output"


@pytest.fixture
def runtime(target: ComfyUITarget, tmp_path: Path) -> Iterator[ComfyUIRuntime]:
    paths = AppPaths.in_folder(tmp_path / "app")
    paths.create()
    choice = ComfyUISettings(
        mode=ComfyUIMode.MANAGED,
        directory=str(target.directory),
        python=str(target.python),
        device_flags=["--cpu"],
    )
    service = ComfyUIRuntime(
        SettingsStore(paths.settings_file, Notices()),
        paths,
        choice,
        policy=FAST_RESTARTS,
        timings=SupervisorTimings(ready_timeout_s=target.ready_timeout_s, stop_grace_s=5.0),
    )
    yield service
    service.shutdown()


def test_the_first_use_starts_comfyui_and_gets_a_connected_client(
    runtime: ComfyUIRuntime, target: ComfyUITarget
) -> None:
    assert runtime.status().state is ComfyUIState.STOPPED

    client = runtime.client(target.ready_timeout_s)  # no begin(): started lazily

    assert client.connected
    assert runtime.client(5) is client
    final = client.submit(workflows.image(f"t/{uuid.uuid4().hex[:8]}"), label=LABEL).wait(60)
    assert isinstance(final, Succeeded)


def test_a_crash_ends_prompts_in_flight_and_the_next_client_talks_to_the_restarted_comfyui(
    runtime: ComfyUIRuntime, target: ComfyUITarget
) -> None:
    recorder = StatusRecorder()
    runtime.subscribe(recorder)
    runtime.begin()
    client = runtime.client(target.ready_timeout_s)
    pid = runtime.status().pid
    assert pid is not None
    handle = client.submit(workflows.blur(f"t/{uuid.uuid4().hex[:8]}", 2048), label=LABEL)
    started = threading.Event()
    events: list[PromptEvent] = []

    def consume() -> None:
        for event in handle.events(120):
            events.append(event)
            if isinstance(event, ExecutionStarted):
                started.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert started.wait(60)

    os.kill(pid, signal.SIGKILL)
    consumer.join(60)

    assert events[-1] == Failed("comfyui_connection_lost", {"output": LABEL})
    recorder.wait_for_state(ComfyUIState.CRASHED, 30)
    fresh = runtime.client(target.ready_timeout_s)
    assert fresh is not client and fresh.base_url != client.base_url
    assert isinstance(
        fresh.submit(workflows.image(f"t/{uuid.uuid4().hex[:8]}"), label=LABEL).wait(60), Succeeded
    )
    new_pid = runtime.status().pid
    assert new_pid is not None

    runtime.shutdown()
    assert wait_until_gone(new_pid)
    assert not fresh.connected


def test_the_pool_offers_the_managed_comfyui_as_soon_as_it_is_ready(
    testserver: ComfyUITarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pool's own rounds of checks are an hour apart here: it must learn of the start from the
    # supervisor, not find it at its next round (a generation asked for right after the start waited
    # for that round).
    monkeypatch.setenv("COMFYUI_TESTSERVER_STARTUP_DELAY", "0.5")  # surely "starting" at the first round
    paths = AppPaths.in_folder(tmp_path / "app")
    paths.create()
    choice = ComfyUISettings(
        mode=ComfyUIMode.MANAGED,
        directory=str(testserver.directory),
        python=str(testserver.python),
        device_flags=["--cpu"],
    )
    service = ComfyUIRuntime(
        SettingsStore(paths.settings_file, Notices()),
        paths,
        choice,
        policy=FAST_RESTARTS,
        timings=SupervisorTimings(ready_timeout_s=testserver.ready_timeout_s, stop_grace_s=5.0),
        pool_timings=PoolTimings(probe_interval_s=3600.0),
    )
    try:
        service.begin()
        deadline = time.monotonic() + testserver.ready_timeout_s + 30.0
        while [status.state for status in service.pool.statuses()] != [MachineState.READY]:
            assert time.monotonic() < deadline, (service.status(), service.pool.statuses())
            time.sleep(0.05)
        assert service.status().state is ComfyUIState.READY
    finally:
        service.shutdown()
