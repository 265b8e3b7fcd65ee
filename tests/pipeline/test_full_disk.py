"""A full disk through the real app (a small tmpfs over its runs or logs folder, filled to the last
byte): the error a person sees names the full disk and the folder to free, the run's record on disk
catches up with what the API showed once there is space (retried while running, and at shutdown), a
run that cannot get its first record leaves no folder, and the log says on stderr why its file stops.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.settings.paths import AppPaths
from tests.llm_testserver.process import TestServerProcess
from tests.pipeline.test_generation import TEST_COMFYUI, generate, new_run, wait_until_comfyui_ready
from tests.support.app_process import AppProcess, start_app
from tests.support.full_disk import fill, small_tmpfs
from tests.support.job_events import final_state, of_type, read_events
from tests.support.settings_files import write_settings

DEADLINE_S = 60.0
StartApp = Callable[..., AppProcess]


@pytest.fixture
def data_dir(tmp_path: Path, llm_server: TestServerProcess) -> Path:
    folder = tmp_path / "data"
    llm_server.reset()
    write_settings(folder, base_url=llm_server.base_url)
    return folder


def record_on_disk(app: AppProcess, run_id: str) -> dict[str, Any]:
    record = AppPaths.in_folder(app.data_dir).runs_dir / run_id / "run.json"
    data: dict[str, Any] = json.loads(record.read_text("utf-8"))
    return data


def record_in_api(client: httpx.Client, run_id: str) -> dict[str, Any]:
    response = client.get(f"/api/runs/{run_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def wait_until_disk_agrees(app: AppProcess, client: httpx.Client, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        expected = record_in_api(client, run_id)
        if record_on_disk(app, run_id) == expected:
            return expected
        assert time.monotonic() < deadline, "the record on disk never caught up with the API"
        time.sleep(0.1)


def run_folders(runs: Path) -> list[str]:
    return sorted(path.name for path in runs.iterdir() if path.is_dir())


def test_a_generation_on_a_full_disk_names_it_and_the_disk_catches_up(data_dir: Path) -> None:
    runs = AppPaths.in_folder(data_dir).runs_dir
    with small_tmpfs(runs, size_kb=2048):
        app = start_app(
            data_dir, extra_args=["--comfyui-dir", str(TEST_COMFYUI), "--comfyui-python", sys.executable]
        )
        try:
            wait_until_comfyui_ready(app)
            with app.client("en") as client:
                run_id = new_run(client)
                _, events = generate(client, run_id, "A red fox in the snow", "selftest_image")
                assert final_state(events) == "succeeded", events[-3:]
                assert wait_until_disk_agrees(app, client, run_id)["status"] == "complete"

                filler = fill(runs)
                _, events = generate(client, run_id, "A red fox in the rain", "selftest_image")
                assert final_state(events) == "failed", events[-3:]
                [error] = of_type(events, "error")
                assert error["code"] == "disk_full", error
                assert f"free space in {runs}" in str(error["message"])

                shown = record_in_api(client, run_id)
                assert shown["status"] == "failed" and shown["error"]["code"] == "disk_full"
                assert [g["status"] for g in shown["generations"]] == ["complete", "failed"]
                assert shown["generations"][1]["error"]["code"] == "disk_full"
                stale = record_on_disk(app, run_id)
                assert (stale["status"], len(stale["generations"])) == ("complete", 1)

                # A new run cannot get its first record: the answer names the disk, no folder stays.
                response = client.post(
                    "/api/interception",
                    json={"config_id": "as_is", "idea": "Ein Boot", "rules": "", "language": "en"},
                )
                assert response.status_code == 503, response.text
                assert response.json()["error"]["code"] == "disk_full"
                assert run_folders(runs) == [run_id]

                filler.unlink()
                final = wait_until_disk_agrees(app, client, run_id)
                assert (final["status"], len(final["generations"])) == ("failed", 2)
        finally:
            app.stop()
        assert run_folders(runs) == [run_id]
        assert record_on_disk(app, run_id) == final


def test_the_final_state_reaches_the_disk_at_shutdown(data_dir: Path) -> None:
    runs = AppPaths.in_folder(data_dir).runs_dir
    with small_tmpfs(runs, size_kb=1024):
        app = start_app(data_dir)
        try:
            with app.client("de") as client:
                run_id = new_run(client, "Ein Fuchs im Schnee", "de")
                filler = fill(runs)
                response = client.post(
                    "/api/optimization",
                    json={"run_id": run_id, "text": "Ein Fuchs im Regen", "output_id": "sd35_large"},
                )
                assert response.status_code == 202, response.text
                events = read_events(client, response.json()["job_id"])
                assert final_state(events) == "failed", events[-3:]
                [error] = of_type(events, "error")
                assert error["code"] == "disk_full"
                assert f"Schaffe Platz in {runs}" in str(error["message"])
                shown = record_in_api(client, run_id)
                assert shown["status"] == "failed" and len(shown["optimizations"]) == 1
                notices = client.get("/api/system/info").json()["notices"]
                told = [notice for notice in notices if notice["code"] == "run_records_not_saved_notice"]
                assert len(told) == 1 and str(runs) in told[0]["message"], notices  # once, not per attempt
                assert record_on_disk(app, run_id)["status"] == "complete"
            filler.unlink()
        finally:
            app.stop()  # at once: the app writes what is still due before it ends
        assert record_on_disk(app, run_id) == shown


def test_the_log_names_a_full_disk_on_stderr(data_dir: Path) -> None:
    logs = AppPaths.in_folder(data_dir).logs_dir
    with small_tmpfs(logs, size_kb=64):
        with start_app(data_dir) as app:
            fill(logs)
            deadline = time.monotonic() + DEADLINE_S
            with app.client() as client:
                # Every refused request is a log line; the file's last page fills up after a few.
                while f"free space in {logs}" not in app.output():
                    assert time.monotonic() < deadline, app.output()[-2000:]
                    client.get("/api/runs/20260101-000000-abcdef")
            output = app.output()
        assert "The log file" in output and "the disk is full" in output.lower()
        assert "--- Logging error ---" not in output
