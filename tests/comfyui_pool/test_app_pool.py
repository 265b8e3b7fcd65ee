"""The app with two ComfyUI machines (``--comfyui-url`` twice): generations run side by side, each
run records its machine, and a machine killed mid-job hands the job to the other one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.comfyui_pool.machines import TestMachine
from tests.llm_testserver.process import TestServerProcess
from tests.pipeline.test_generation import new_run
from tests.support.app_process import AppProcess, start_app
from tests.support.job_events import final_state, read_events
from tests.support.settings_files import write_settings

DEADLINE_S = 120.0


@pytest.fixture
def machines(tmp_path: Path) -> Iterator[list[TestMachine]]:
    # Jobs wait in ImageAddNoise until the test releases them: they surely run while the test looks.
    started = [TestMachine(tmp_path / name, hold_class="ImageAddNoise").start() for name in "ab"]
    yield started
    for machine in started:
        machine.kill()


@pytest.fixture
def app(tmp_path: Path, llm_server: TestServerProcess, machines: list[TestMachine]) -> Iterator[AppProcess]:
    data_dir = tmp_path / "app"
    write_settings(data_dir, base_url=llm_server.base_url)
    args = [argument for machine in machines for argument in ("--comfyui-url", machine.url)]
    started = start_app(data_dir, extra_args=args)
    try:
        with started.client() as client:
            wait_until(lambda: ready_machines(client) == 2, client, "both machines ready")
        yield started
    finally:
        started.stop()


def ready_machines(client: httpx.Client) -> int:
    pool = client.get("/api/comfyui/pool").json()
    return sum(1 for machine in pool["machines"] if machine["status"]["state"] in ("ready", "busy"))


def wait_until(check: Any, client: httpx.Client, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, (what, client.get("/api/comfyui/pool").json())
        time.sleep(0.1)


def start_generation(client: httpx.Client, run_id: str) -> str:
    response = client.post(
        "/api/generation",
        json={"run_id": run_id, "text": "A red fox in the snow", "output_id": "selftest_image"},
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def generation_of(client: httpx.Client, run_id: str) -> dict[str, Any]:
    generations: list[dict[str, Any]] = client.get(f"/api/runs/{run_id}").json()["generations"]
    return generations[0] if generations else {}


def test_two_generations_run_side_by_side_on_two_machines(
    app: AppProcess, machines: list[TestMachine]
) -> None:
    with app.client("en") as client:
        runs = [new_run(client, "A red fox"), new_run(client, "A blue bird")]
        jobs = [start_generation(client, run_id) for run_id in runs]
        # Both are running at once, each on its own machine.
        wait_until(
            lambda: (
                all(generation_of(client, run_id).get("machine") for run_id in runs)
                and all(client.get(f"/api/jobs/{job}").json()["state"] == "running" for job in jobs)
                and all(machine.running_prompts() == 1 for machine in machines)
            ),
            client,
            "both running",
        )
        used = {generation_of(client, run_id)["machine"] for run_id in runs}
        assert len(used) == 2
        assert client.get("/api/comfyui/pool").json()["slots"] == 2
        for machine in machines:
            machine.release()
        for job in jobs:
            assert final_state(read_events(client, job)) == "succeeded"
        assert {generation_of(client, run_id)["machine"] for run_id in runs} == used


def test_a_machine_killed_mid_job_hands_the_job_to_the_other(
    app: AppProcess, machines: list[TestMachine]
) -> None:
    with app.client("en") as client:
        run_id = new_run(client)
        job = start_generation(client, run_id)
        wait_until(lambda: generation_of(client, run_id).get("prompt_id"), client, "submitted")
        first = generation_of(client, run_id)["machine"]
        by_name = {machine.url: machine for machine in machines}
        dying = by_name[first]
        wait_until(lambda: dying.running_prompts() == 1, client, "running there")
        dying.kill()
        for machine in machines:
            if machine is not dying:
                machine.release()
        events = read_events(client, job)
        assert final_state(events) == "succeeded", events[-3:]
        generation = generation_of(client, run_id)
        assert generation["machine"] != first and generation["machine"] in by_name
        assert generation["status"] == "complete" and generation["media"]
        # The same workflow and seed went to the other machine.
        assert generation["seed"] in [
            v for node in generation["request"].values() for v in node["inputs"].values()
        ]
