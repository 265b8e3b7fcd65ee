"""The key never leaves secrets.json except in the Authorization header to its own provider.

One app: keys set through the API, jobs that succeed (both cloud outputs, cloud LLM stages, a model
list) and jobs that fail in every way a provider fails (wrong key, no credit, rate limit, refused
content, network down, timeout, ...). Then every file the app wrote under its folder and every API
answer and event stream it sent is searched for the keys: nothing. The wrong key is searched for
too: the provider's error message repeats it in full, and the app must not pass that on.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cloud.cloud_steps import OPENAI_OUTPUT, OPENROUTER_OUTPUT, error_of, generate, new_run, set_key
from tests.cloud.conftest import KEYS, StartCloudApp, copy_catalog
from tests.cloud_testserver.process import CloudServerProcess
from tests.support.job_events import final_state, read_events

WRONG_OPENAI = "sk-proj-WrongKeyForTheTest-0a1b2c3d4e5f6789"
WRONG_OPENROUTER = "sk-or-v1-WrongRouterKey-99aa88bb77cc66dd"
SECRETS = [*KEYS.values(), WRONG_OPENAI, WRONG_OPENROUTER]

# (behaviour of the test server, output, error code the student sees)
IMAGE_FAILURES = [
    ("no-credit", OPENAI_OUTPUT, "cloud.no_credit"),
    ("rate-limit", OPENAI_OUTPUT, "cloud.rate_limited_retry_after"),
    ("refused", OPENAI_OUTPUT, "cloud.content_refused"),
    ("server-error", OPENAI_OUTPUT, "cloud.server_error"),
    ("garbage", OPENAI_OUTPUT, "cloud.garbage_answer"),
    ("slow", OPENAI_OUTPUT, "cloud.timeout"),
    ("no-credit", OPENROUTER_OUTPUT, "cloud.no_credit"),
    ("rate-limit", OPENROUTER_OUTPUT, "cloud.rate_limited_retry_after"),
    ("refused", OPENROUTER_OUTPUT, "cloud.content_refused"),
    ("refused-in-answer", OPENROUTER_OUTPUT, "cloud.content_refused"),
    ("no-image", OPENROUTER_OUTPUT, "cloud.no_media"),
    ("error-in-200", OPENROUTER_OUTPUT, "cloud.server_error"),
    ("timeout-408", OPENROUTER_OUTPUT, "cloud.timeout"),
]


class AnswerLog:
    """Keeps the body of every answer the app sends (JSON, media, event streams)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def hook(self, response: httpx.Response) -> None:
        self.bodies.append(response.read())


def find_secrets(data: bytes) -> list[str]:
    """Each key, and each key without its last four characters (which the API may show)."""
    found = []
    for secret in SECRETS:
        for piece in (secret, secret[:-4]):
            if piece.encode() in data:
                found.append(piece)
    return found


def interception(client: httpx.Client) -> list[Any]:
    body = {"config_id": "dada", "idea": "A street party", "rules": "Cut it up.", "language": "en"}
    response = client.post("/api/interception", json=body)
    assert response.status_code == 202, response.text
    return read_events(client, response.json()["job_id"])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes; Windows relies on the profile's ACL")
def test_keys_appear_nowhere_but_in_the_secrets_file_and_the_authorization_header(
    cloud_app: StartCloudApp, cloud_server: CloudServerProcess, tmp_path: Path
) -> None:
    catalog = copy_catalog(tmp_path / "catalog", {"output_openai_gpt_image_1": {"timeout_s": 1}})
    app = cloud_app(catalog_root=catalog)
    answers = AnswerLog()
    client = app.client("en")
    client.event_hooks["response"] = [answers.hook]
    try:
        # Keys in through the API: the answers say "set" and the last four characters, never the key.
        assert {k["name"]: k["is_set"] for k in client.get("/api/keys").json()["keys"]} == {
            "openrouter": False,
            "openai": False,
            "mistral": False,
            "custom": False,
        }
        for name, key in KEYS.items():
            status = set_key(client, name, key)
            assert status["is_set"] is True and status["last4"] == key[-4:]
        secrets_file = app.data_dir / "config" / "secrets.json"
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600

        # Successes: both cloud outputs, cloud LLM stages (streamed and not), a cloud model list.
        run_id = new_run(client)
        for output in (OPENAI_OUTPUT, OPENROUTER_OUTPUT):
            _, events = generate(client, run_id, output)
            assert final_state(events) == "succeeded", events[-3:]
        patch = {
            "llm": {
                "interception": {"provider_id": "openrouter", "model": "echo"},
                "translation": {"provider_id": "mistral", "model": "echo"},
            }
        }
        assert client.patch("/api/settings", json=patch).status_code == 200
        assert final_state(interception(client)) == "succeeded"
        _, events = generate(client, run_id, OPENAI_OUTPUT, "Ein Fuchs im Schnee und der Wind")
        assert final_state(events) == "succeeded", events[-3:]
        models = client.get("/api/llm/providers/openai/models")
        assert models.status_code == 200 and models.json()["models"][0]["owned_by"] == "openai"

        # Every way a provider fails, in plain words.
        for behaviour, output, code in IMAGE_FAILURES:
            cloud_server.behave(behaviour, delay_s=6)
            _, events = generate(client, run_id, output)
            assert final_state(events) == "failed", (behaviour, output)
            error = error_of(events)
            assert error["code"] == code, (behaviour, output, error)
            assert "{" not in str(error["message"]), error  # every placeholder was filled

        # A wrong key: the provider's message repeats it; the student reads ours.
        set_key(client, "openai", WRONG_OPENAI)
        _, events = generate(client, run_id, OPENAI_OUTPUT)
        error = error_of(events)
        assert error["code"] == "cloud.auth_failed"
        assert "rejected the API key" in str(error["message"])
        set_key(client, "openrouter", WRONG_OPENROUTER)
        assert error_of(interception(client))["code"] == "llm.auth_failed"
        set_key(client, "openai", KEYS["openai"])
        set_key(client, "openrouter", KEYS["openrouter"])

        # The network is down: the provider does not answer at all.
        cloud_server.stop()
        try:
            _, events = generate(client, run_id, OPENROUTER_OUTPUT)
            assert error_of(events)["code"] == "cloud.network_down"
            assert "internet" in str(error_of(events)["message"])
            assert error_of(interception(client))["code"] == "llm.cloud_unreachable"
        finally:
            cloud_server.start()

        # What the app shows afterwards: the run, the settings, notices, logs.
        client.get(f"/api/runs/{run_id}")
        client.get("/api/settings")
        client.get("/api/system/info")
        client.get("/api/comfyui/logs")
        removed = client.request("DELETE", "/api/keys/mistral")
        assert removed.status_code == 200 and removed.json()["is_set"] is False
    finally:
        client.close()
        assert app.stop() == 0

    # Every file the app wrote (records, media, settings, logs, its console output) but the key file.
    written = [path for path in app.data_dir.rglob("*") if path.is_file()]
    assert any(path.name == "run.json" for path in written)
    assert any(path.name == "app.log" for path in written)
    leaks = {
        str(path.relative_to(app.data_dir)): found
        for path in written
        if path != secrets_file and (found := find_secrets(path.read_bytes()))
    }
    assert leaks == {}
    assert len(answers.bodies) > 40
    assert [find_secrets(body) for body in answers.bodies if find_secrets(body)] == []
    # The keys themselves are where they belong, and there only.
    stored = secrets_file.read_bytes()
    assert KEYS["openai"].encode() in stored and KEYS["openrouter"].encode() in stored
    assert KEYS["mistral"].encode() not in stored  # deleted
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    sent = [r["headers"].get("authorization") for r in cloud_server.requests()]
    assert sent == [] or all(h is None or h.startswith("Bearer ") for h in sent)
