"""Offline mode attempts no connection to another computer, proven at the socket level.

The app runs with a test-only audit hook (``socket_guard/sitecustomize.py``) that records and blocks
every ``socket.connect`` and name look-up to anything but this computer, whatever library makes it.
Offline, with keys stored and cloud providers chosen everywhere (outputs, LLM stages, model lists, a
server on the school network, an external ComfyUI), the record stays empty. The same hook in an app
that is online records the attempts, so the test can fail.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cloud.cloud_steps import OPENAI_OUTPUT, OPENROUTER_OUTPUT, error_of, generate, new_run, set_key
from tests.cloud.conftest import KEYS
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import REPO_ROOT, AppProcess, frozen_app_command, start_app
from tests.support.job_events import final_state, read_events
from tests.support.settings_files import llm_choice, write_settings

GUARD = REPO_ROOT / "tests" / "cloud" / "socket_guard"
# Documentation addresses (RFC 5737): never routed, so nothing could answer even without the hook.
SCHOOL_SERVER = "http://192.0.2.10:8000/v1"
SCHOOL_COMFYUI = "http://192.0.2.20:8188"

pytestmark = pytest.mark.skipif(
    frozen_app_command(), reason="the hook is loaded by the Python of a source run"
)


def attempts(log: Path) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line for line in lines if line["event"] != "active"]


def start_guarded(
    tmp_path: Path, llm_server: TestServerProcess, *, offline: bool, **settings: Any
) -> tuple[AppProcess, Path]:
    log = tmp_path / "socket-attempts.jsonl"
    data_dir = tmp_path / "app"
    write_settings(data_dir, base_url=llm_server.base_url, offline=offline, **settings)
    app = start_app(data_dir, env={"PYTHONPATH": str(GUARD), "AI4ARTSED_SOCKET_AUDIT_LOG": str(log)})
    active = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert any(line["event"] == "active" for line in active), "the socket guard did not load"
    return app, log


def wait_for_comfyui_state(client: httpx.Client, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        status: dict[str, Any] = client.get("/api/comfyui/status").json()
        if status["state"] == state or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_offline_nothing_reaches_for_another_computer(tmp_path: Path, llm_server: TestServerProcess) -> None:
    app, log = start_guarded(
        tmp_path,
        llm_server,
        offline=True,
        comfyui={"mode": "external", "url": SCHOOL_COMFYUI},
    )
    with app, app.client("en") as client:
        for name, key in KEYS.items():
            set_key(client, name, key)
        run_id = new_run(client)

        # Cloud outputs: unavailable, and a request for one is refused before anything is sent.
        for output in (OPENAI_OUTPUT, OPENROUTER_OUTPUT):
            body = {"run_id": run_id, "text": "a fox", "output_id": output}
            refused = client.post("/api/generation", json=body)
            assert refused.status_code == 503
            assert refused.json()["error"]["code"] == "cloud.output_offline"

        # Cloud language models for every stage, and their model lists.
        for provider in ("openai", "openrouter", "mistral"):
            listed = client.get(f"/api/llm/providers/{provider}/models")
            assert listed.status_code == 503, listed.text
        patch = {"llm": {"interception": {"provider_id": "openai", "model": "gpt-4o-mini"}}}
        assert client.patch("/api/settings", json=patch).status_code == 200
        started = client.post(
            "/api/interception",
            json={"config_id": "dada", "idea": "A fox", "rules": "Cut it up.", "language": "en"},
        )
        assert error_of(read_events(client, started.json()["job_id"]))["code"] == "llm_cloud_while_offline"

        # A server on the school network is not this computer: the HTTP layer itself refuses it.
        school = {"llm": {"interception": llm_choice("echo", SCHOOL_SERVER)}}
        assert client.patch("/api/settings", json=school).status_code == 200
        started = client.post(
            "/api/interception",
            json={"config_id": "dada", "idea": "A fox", "rules": "Cut it up.", "language": "en"},
        )
        error = error_of(read_events(client, started.json()["job_id"]))
        assert error["code"] == "network_offline_blocked"
        assert "192.0.2.10" in str(error["message"])
        listed = client.get("/api/llm/providers/custom/models", params={"base_url": SCHOOL_SERVER})
        assert listed.json()["error"]["code"] == "network_offline_blocked"

        # A ComfyUI on another computer: explained, not contacted.
        status = wait_for_comfyui_state(client, "failed")
        assert status["reason"]["code"] == "comfyui_external_offline", status

        # A local provider still works offline (the LLM test server is on 127.0.0.1).
        local = {"llm": {"interception": llm_choice("echo", llm_server.base_url)}}
        assert client.patch("/api/settings", json=local).status_code == 200
        started = client.post(
            "/api/interception",
            json={"config_id": "dada", "idea": "A fox", "rules": "Cut it up.", "language": "en"},
        )
        assert final_state(read_events(client, started.json()["job_id"])) == "succeeded"
    assert attempts(log) == []


def test_the_guard_sees_what_an_online_app_attempts(tmp_path: Path, llm_server: TestServerProcess) -> None:
    """The control: the same hook in an online app records (and blocks) the real providers' addresses."""
    app, log = start_guarded(tmp_path, llm_server, offline=False)
    with app, app.client("en") as client:
        set_key(client, "openai", KEYS["openai"])
        run_id = new_run(client)
        _, events = generate(client, run_id, OPENAI_OUTPUT)
        # Blocked by the hook, the app reports what a school without internet would see.
        assert error_of(events)["code"] == "cloud.network_down"
        school = {"llm": {"interception": llm_choice("echo", SCHOOL_SERVER)}}
        assert client.patch("/api/settings", json=school).status_code == 200
        started = client.post(
            "/api/interception",
            json={"config_id": "dada", "idea": "A fox", "rules": "Cut it up.", "language": "en"},
        )
        assert final_state(read_events(client, started.json()["job_id"])) == "failed"
    hosts = {entry["host"] for entry in attempts(log)}
    assert {"api.openai.com", "192.0.2.10"} <= hosts
