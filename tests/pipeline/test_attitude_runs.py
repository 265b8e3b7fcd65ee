"""Runs of teachers' attitudes through the real app and the LLM test server: a text result into the
gallery and the export, a deleted attitude's name kept by its runs, the Telephone game set per run."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import httpx

from server.catalog.loader import CatalogLoader
from server.resources import Resources
from tests.support.in_process import InProcessApp
from tests.support.job_events import Event, final_state, of_type, read_events

StartApp = Callable[..., InProcessApp]
SHIPPED = CatalogLoader(Resources.locate().app_root).load().interceptions
IDEA = "Ein Straßenfest im Regen mit Laternen"


def _slang(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": {"de": "Klassen-Slang", "en": "Class slang"},
        "description": {"de": "Die Idee in unserem Slang.", "en": "The idea in our slang."},
        "category": "semantics",
        "context": {"de": "Sag es in unserem Slang.", "en": "Say it in our slang."},
        "icon": "🗣️",
        "color": "#6a1b9a",
        "min_age": 8,
        "result": "text",
    }
    data.update(overrides)
    return data


def _run(client: httpx.Client, body: dict[str, Any]) -> tuple[list[Event], dict[str, Any]]:
    started = client.post("/api/interception", json=body)
    assert started.status_code == 202, started.text
    events = read_events(client, started.json()["job_id"])
    return events, client.get(f"/api/runs/{started.json()['run_id']}").json()


def _export_zip(client: httpx.Client, run_id: str) -> zipfile.ZipFile:
    started = client.post("/api/runs/exports", json={"run_ids": [run_id]})
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 60
    while True:
        job = client.get(f"/api/jobs/{started.json()['job_id']}").json()
        if job["state"] in ("succeeded", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert job["state"] == "succeeded", job
    download = client.get(f"/api/runs/exports/{started.json()['job_id']}")
    assert download.status_code == 200
    return zipfile.ZipFile(io.BytesIO(download.content))


def test_a_text_result_is_checked_saved_listed_as_text_and_exported(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="kids")
    with app.client("de") as client:
        attitude_id = client.post("/api/attitudes", json={"attitude": _slang()}).json()["id"]
        events, run = _run(client, {"config_id": attitude_id, "idea": IDEA, "language": "de"})
        assert final_state(events) == "succeeded"
        assert run["status"] == "complete"
        assert run["interception"]["result"] == "text"
        assert run["interception"]["output"] == f"echo: {IDEA}"
        # The text children see passed the youth-protection check after it was written.
        assert [verdict["decision"] for verdict in run["safety"]] == ["allowed", "allowed"]
        stages = [e["stage"] for e in of_type(events, "stage")]
        assert stages == ["safety_input", "interception", "safety_interception_output"]
        # Nothing of the text reaches the screen before its check: no streamed pieces, one final text.
        assert of_type(events, "token") == []
        assert [e["text"] for e in of_type(events, "text")] == [f"echo: {IDEA}"]

        page = client.get("/api/runs", params={"medium": "text"}).json()
        assert [item["id"] for item in page["runs"]] == [run["id"]]
        assert page["runs"][0]["text_result"] == f"echo: {IDEA}"
        assert page["runs"][0]["media_types"] == ["text"]
        assert client.get("/api/runs/facets").json()["media"]["text"] == 1

        # The attitude goes; its runs keep its name in the gallery and in the export.
        assert client.delete(f"/api/attitudes/{attitude_id}").status_code == 200
        listed = client.get("/api/runs").json()["runs"][0]
        assert listed["attitude_name"] == {"de": "Klassen-Slang", "en": "Class slang"}
        export = _export_zip(client, run["id"])
    pages = [name for name in export.namelist() if name.endswith(".html")]
    html = "".join(export.read(name).decode("utf-8") for name in pages)
    assert "Klassen-Slang" in html
    assert f"echo: {IDEA}" in html
    assert any(
        json.loads(export.read(name))["interception"]["result"] == "text"
        for name in export.namelist()
        if name.endswith("run.json")
    )


def test_a_media_run_keeps_its_attitude_name_after_the_attitude_is_deleted(app_with_llm: StartApp) -> None:
    app = app_with_llm()
    with app.client("en") as client:
        attitude_id = client.post("/api/attitudes", json={"attitude": _slang(result="media")}).json()["id"]
        events, run = _run(client, {"config_id": attitude_id, "idea": IDEA, "language": "en"})
        assert final_state(events) == "succeeded"
        assert client.delete(f"/api/attitudes/{attitude_id}").status_code == 200
        detail = client.get(f"/api/runs/{run['id']}/detail").json()
    assert detail["record"]["interception"]["name"]["en"] == "Class slang"
    assert detail["record"]["interception"]["result"] == "media"


def test_telephone_rounds_pool_and_end_language_set_for_one_run(app_with_llm: StartApp) -> None:
    app = app_with_llm()
    pool = ["fr", "ja", "sw", "fi", "pl"]
    with app.client("de") as client:
        body = {
            "config_id": "telephone",
            "idea": IDEA,
            "language": "de",
            "telephone": {"rounds": 4, "languages": pool, "end_language": "en"},
        }
        events, run = _run(client, body)
        assert final_state(events) == "succeeded"
        languages = [r["language"] for r in run["interception"]["rounds"]]
        assert len(languages) == 4 and languages[-1] == "en"
        assert len(set(languages)) == 4 and set(languages[:-1]) <= set(pool)

        too_small = {
            **body,
            "telephone": {"rounds": 4, "languages": ["fr", "ja", "en", "de"], "end_language": "en"},
        }
        refused = client.post("/api/interception", json=too_small)
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "telephone_pool_too_small"
        assert "Kreuze mehr Sprachen an" in refused.json()["error"]["message"]

        # Once a teacher PIN is set, only the teacher changes the game for a run.
        assert client.put("/api/settings/teacher-pin", json={"new_pin": "4711"}).status_code == 200
        assert client.post("/api/interception", json=body).status_code == 403
        allowed = client.post("/api/interception", json={**body, "pin": "4711"})
        assert allowed.status_code == 202, allowed.text
        read_events(client, allowed.json()["job_id"])
