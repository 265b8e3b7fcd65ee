"""An output is available when at least one ready machine of the pool has its files (issue 18).

Two test-server machines: the first (the single ComfyUI address) has no model files, the second
has the output's files. The app must call the output available and say where, explain it when the
second machine goes away, and say so differently once the files are on this computer but no ready
machine offers them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.comfyui_pool.machines import TestMachine
from tests.model_files.catalog import TinyModels, write_model_catalog
from tests.support.app_process import AppProcess, start_app

DEADLINE_S = 90.0


@pytest.fixture
def tiny(tmp_path: Path) -> TinyModels:
    models = TinyModels()
    models.write_all(tmp_path / "original")  # sizes and checksums for the manifest
    return models


@pytest.fixture
def machines(tmp_path: Path, tiny: TinyModels) -> Iterator[list[TestMachine]]:
    bare = TestMachine(tmp_path / "bare")
    stocked = TestMachine(tmp_path / "stocked")
    tiny.checkpoint.write(stocked.folder / "models" / "checkpoints")
    tiny.text_encoder.write(stocked.folder / "models" / "text_encoders")
    both = [bare, stocked]
    try:
        # Side by side: each start is mostly the interpreter's imports.
        yield [machine.wait_until_ready() for machine in [machine.launch() for machine in both]]
    finally:
        for machine in both:
            machine.kill()


@pytest.fixture
def app(tmp_path: Path, tiny: TinyModels, machines: list[TestMachine]) -> Iterator[AppProcess]:
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    home = tmp_path / "home"
    home.mkdir()
    args = [argument for machine in machines for argument in ("--comfyui-url", machine.url)]
    started = start_app(tmp_path / "app", catalog_root=catalog, extra_args=args, env={"HOME": str(home)})
    try:
        yield started
    finally:
        started.stop()


def tiny_image(client: httpx.Client) -> dict[str, Any]:
    for group in client.get("/api/catalog/outputs").json()["media_types"]:
        for output in group["outputs"]:
            if output["id"] == "tiny_image":
                found: dict[str, Any] = output
                return found
    raise AssertionError("no tiny_image output")


def models_page_output(client: httpx.Client) -> dict[str, Any]:
    answer = client.get("/api/models")
    assert answer.status_code == 200, answer.text
    outputs = answer.json()["outputs"]
    found: dict[str, Any] = next(output for output in outputs if output["id"] == "tiny_image")
    return found


def wait_for(client: httpx.Client, check: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        output = tiny_image(client)
        if check(output):
            return output
        assert time.monotonic() < deadline, (what, output, client.get("/api/comfyui/pool").json())
        time.sleep(0.2)


def codes(output: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in output["reasons"]]


def test_an_output_is_available_when_a_ready_machine_has_its_files(
    app: AppProcess, machines: list[TestMachine], tiny: TinyModels
) -> None:
    with app.client("en") as client:
        # Missing on this computer and on the first machine, present on the second: available, there.
        output = wait_for(
            client,
            lambda o: o["available"] and o["machines"] == {"ready": 1, "total": 2},
            "available through the second machine",
        )
        assert output["reasons"] == []
        # The Models page says the same, and where.
        on_models_page = models_page_output(client)
        assert on_models_page["ready"] is True and on_models_page["reasons"] == []
        assert on_models_page["machines"] == {"ready": 1, "total": 2}

        # The second machine goes away: no ready machine has the files, and they are not here either.
        machines[1].kill()
        output = wait_for(client, lambda o: codes(o) == ["output_pool_files_nowhere"], "files nowhere")
        reason = output["reasons"][0]
        assert reason["fix_page"] == "models"
        assert tiny.checkpoint.filename in reason["message"] and "1 of 2" in reason["message"]

        # The files arrive on this computer, but no ready machine offers them: said so, with where to act.
        models_dir = app.data_dir / "data" / "models"
        tiny.checkpoint.write(models_dir / "checkpoints")
        tiny.text_encoder.write(models_dir / "text_encoders")
        output = wait_for(
            client, lambda o: codes(o) == ["output_pool_files_here_not_offered"], "files here, not offered"
        )
        assert output["available"] is False
        assert output["reasons"][0]["fix_page"] == "settings"
        assert "on this computer" in output["reasons"][0]["message"]
        assert codes(models_page_output(client)) == ["output_pool_files_here_not_offered"]
