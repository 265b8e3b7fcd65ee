"""The settings page's own calls against the app (in-process: what is tested is the answers and what
is saved, not the process): the LLM test per stage (through the LLM test server), the storage
figures, the ComfyUI connection choice, and the first-run flag."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.llm_testserver.process import TestServerProcess
from tests.support import loopback_http
from tests.support.app_process import REPO_ROOT
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.settings_files import write_settings

# Every test here runs the app in-process: the page's answers and what is saved, not the process.
pytestmark = pytest.mark.in_process

COMFYUI_TESTSERVER = REPO_ROOT / "tests" / "comfyui_testserver"


@pytest.fixture(scope="module")
def llm_app(
    tmp_path_factory: pytest.TempPathFactory, llm_server: TestServerProcess
) -> Iterator[InProcessApp]:
    """Interception answers; translation names a model the test server fails with (404)."""
    data = tmp_path_factory.mktemp("llm-app")
    write_settings(data, base_url=llm_server.base_url, translation="error-404")
    with in_process_app(data) as app:
        yield app


def test_a_stage_test_sends_a_tiny_real_request_and_reports_ok(
    llm_app: InProcessApp, llm_server: TestServerProcess
) -> None:
    with llm_app.client("en") as client:
        answer = client.post("/api/llm/test", json={"stage": "interception"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True
    assert body["error"] is None
    assert body["stage"] == "interception"
    assert body["provider_id"] == "custom"
    assert body["model"] == "echo"
    assert body["reply"] == "echo: Say OK."
    assert isinstance(body["duration_ms"], int) and body["duration_ms"] >= 0
    sent = [r for r in recorded_requests(llm_server) if r["path"].endswith("/chat/completions")]
    assert sent and sent[-1]["body"]["model"] == "echo"
    assert sent[-1]["body"]["max_tokens"] == 8


def test_a_failing_stage_reports_a_plain_message_not_an_error_status(llm_app: InProcessApp) -> None:
    with llm_app.client("de") as client:
        answer = client.post("/api/llm/test", json={"stage": "translation"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is False
    assert body["reply"] is None
    assert body["error"]["code"] == "llm.model_not_found"
    assert "error-404" in body["error"]["message"]


def test_a_choice_not_saved_yet_can_be_tested(llm_app: InProcessApp, llm_server: TestServerProcess) -> None:
    choice = {"provider_id": "custom", "model": "some-model", "base_url": llm_server.base_url}
    with llm_app.client("en") as client:
        ok = client.post("/api/llm/test", json={"choice": choice}).json()
        nowhere = {**choice, "base_url": "http://127.0.0.1:9/v1"}
        unreachable = client.post("/api/llm/test", json={"choice": nowhere}).json()
        both = client.post("/api/llm/test", json={"stage": "safety", "choice": choice})
    assert ok["ok"] is True and ok["reply"] == "echo: Say OK."
    assert unreachable["ok"] is False
    assert unreachable["error"]["code"] == "llm.server_unreachable"
    assert "cannot be reached" in unreachable["error"]["message"]
    assert both.status_code == 400


def test_a_cloud_provider_is_refused_while_offline(llm_app: InProcessApp) -> None:
    choice = {"provider_id": "openai", "model": "gpt-4o-mini"}
    with llm_app.client("en") as client:
        body = client.post("/api/llm/test", json={"choice": choice}).json()
    assert body["ok"] is False
    assert body["error"]["code"] == "llm_cloud_while_offline"


def recorded_requests(server: TestServerProcess) -> list[dict[str, Any]]:
    recorded: list[dict[str, Any]] = loopback_http.get(f"{server.root_url}/_control/requests").json()
    return recorded


def test_storage_figures_match_the_files_written(api: InProcessApp) -> None:
    # The app's own files (the gallery index, logs) count too: compare before and after.
    data = api.data_dir / "data"
    with api.client() as client:
        before = client.get("/api/system/storage").json()
        run = data / "runs" / "2024-01-01_test"
        run.mkdir(parents=True, exist_ok=True)
        (run / "run.json").write_bytes(b"x" * 1234)
        (run / "media.png").write_bytes(b"y" * 50_000)
        models = data / "models" / "checkpoints"
        models.mkdir(parents=True, exist_ok=True)
        (models / "tiny.safetensors").write_bytes(b"z" * 70_001)
        body = client.get("/api/system/storage").json()
    assert Path(body["data_dir"]) == data.resolve()
    assert body["runs_bytes"] - before["runs_bytes"] == 1234 + 50_000
    assert body["models_bytes"] - before["models_bytes"] == 70_001
    assert body["logs_bytes"] >= 0
    assert body["total_bytes"] >= body["runs_bytes"] + body["models_bytes"] + body["logs_bytes"]
    assert body["free_bytes"] > 0


def test_comfyui_folder_is_checked_before_it_is_saved(api: InProcessApp, tmp_path: Path) -> None:
    not_comfyui = tmp_path / "empty"
    not_comfyui.mkdir()
    with api.client("en") as client:
        missing = client.put("/api/settings/comfyui", json={"mode": "managed"})
        wrong = client.put("/api/settings/comfyui", json={"mode": "managed", "directory": str(not_comfyui)})
        no_python = client.put(
            "/api/settings/comfyui", json={"mode": "managed", "directory": str(COMFYUI_TESTSERVER)}
        )
        bad_url = client.put("/api/settings/comfyui", json={"mode": "external", "url": "192.168.1.20"})
        still = client.get("/api/settings").json()["comfyui"]
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "comfyui_folder_needed"
    assert wrong.json()["error"]["code"] == "comfyui_not_a_comfyui_folder"
    assert "main.py" in wrong.json()["error"]["message"]
    assert no_python.json()["error"]["code"] == "comfyui_python_missing"
    assert bad_url.json()["error"]["code"] == "comfyui_url_invalid"
    assert still["mode"] == "none"


def test_a_chosen_comfyui_is_saved_and_starts_after_a_restart(api: InProcessApp) -> None:
    change = {"mode": "managed", "directory": str(COMFYUI_TESTSERVER), "python": sys.executable}
    with api.client("en") as client:
        saved = client.put("/api/settings/comfyui", json=change)
        assert saved.status_code == 200, saved.text
        body = saved.json()
        assert body["comfyui"]["mode"] == "managed"
        assert Path(body["comfyui"]["directory"]) == COMFYUI_TESTSERVER.resolve()
        # Nothing ran before, so nothing needs a restart; starting it is the page's offer.
        assert body["restart_needed"] is False
        assert body["command_line_override"] is False
        assert client.post("/api/comfyui/start").status_code == 202
        assert wait_for_state(client, "ready")
        # Another change while it runs: the running one keeps the old settings until a restart.
        again = client.put("/api/settings/comfyui", json=change)
        assert again.json()["restart_needed"] is False  # the same choice is no change
        other = client.put("/api/settings/comfyui", json={"mode": "external", "url": "http://127.0.0.1:9"})
        assert other.json()["restart_needed"] is True
        assert other.json()["comfyui"]["directory"] == body["comfyui"]["directory"]
        none = client.put("/api/settings/comfyui", json={"mode": "none"})
        assert none.json()["restart_needed"] is False
        assert client.get("/api/comfyui/status").json()["state"] == "stopped"
    stored = json.loads((api.data_dir / "config" / "settings.json").read_text(encoding="utf-8"))
    assert stored["comfyui"]["mode"] == "none"


def wait_for_state(client: httpx.Client, state: str, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/api/comfyui/status").json()["state"] == state:
            return True
        time.sleep(0.2)
    return False


def test_the_first_run_flag_is_saved_and_old_settings_count_as_set_up(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    with in_process_app(fresh) as app, app.client() as client:
        assert client.get("/api/settings").json()["first_run_done"] is False
        assert client.patch("/api/settings", json={"first_run_done": True}).json()["first_run_done"] is True
    with in_process_app(fresh) as app, app.client() as client:
        assert client.get("/api/settings").json()["first_run_done"] is True

    older = tmp_path / "older"
    (older / "config").mkdir(parents=True)
    (older / "config" / "settings.json").write_text('{"language": "en"}', encoding="utf-8")
    with in_process_app(older) as app, app.client() as client:
        assert client.get("/api/settings").json()["first_run_done"] is True
