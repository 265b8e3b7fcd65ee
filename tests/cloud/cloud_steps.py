"""Steps the cloud tests take through the real app's HTTP API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.job_events import Event, final_state, read_events

OPENAI_OUTPUT = "openai_gpt_image_1"
OPENROUTER_OUTPUT = "openrouter_gemini_3_pro_image"


def set_key(client: httpx.Client, name: str, key: str, pin: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"key": key} if pin is None else {"key": key, "pin": pin}
    response = client.put(f"/api/keys/{name}", json=body)
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


def new_run(client: httpx.Client, idea: str = "A red fox in the snow") -> str:
    response = client.post(
        "/api/interception", json={"config_id": "as_is", "idea": idea, "rules": "", "language": "en"}
    )
    assert response.status_code == 202, response.text
    assert final_state(read_events(client, response.json()["job_id"])) == "succeeded"
    run_id: str = response.json()["run_id"]
    return run_id


def generate(
    client: httpx.Client, run_id: str, output_id: str, text: str = "A red fox in the snow"
) -> tuple[str, list[Event]]:
    response = client.post("/api/generation", json={"run_id": run_id, "text": text, "output_id": output_id})
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id, read_events(client, job_id)


def output_entry(client: httpx.Client, output_id: str) -> dict[str, Any]:
    for group in client.get("/api/catalog/outputs").json()["media_types"]:
        for output in group["outputs"]:
            if output["id"] == output_id:
                entry: dict[str, Any] = output
                return entry
    raise AssertionError(f"{output_id} is not in the catalog")


def error_of(events: list[Event]) -> dict[str, Any]:
    errors = [event.data for event in events if event.type == "error"]
    assert errors, [event.type for event in events]
    return errors[-1]
