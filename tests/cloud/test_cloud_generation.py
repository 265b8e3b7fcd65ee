"""Cloud outputs: a student's picture from OpenAI's Images API or from Gemini 3 Pro Image through
OpenRouter becomes a run like any other (media with sha256, the exact request without the key), with
progress states and cancel; without a key or offline they say why they are unavailable. In-process
(``cloud_api``): the cloud path through the real app is test_key_never_leaks.py."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from tests.cloud.cloud_steps import (
    OPENAI_OUTPUT,
    OPENROUTER_OUTPUT,
    error_of,
    generate,
    new_run,
    output_entry,
    set_key,
)
from tests.cloud.conftest import KEYS, StartCloudApi, copy_catalog
from tests.cloud_testserver.png_image import solid_png
from tests.cloud_testserver.process import CloudServerProcess
from tests.support.job_events import final_state, iter_job_events, of_type


def test_without_keys_the_cloud_outputs_say_why_and_refuse_to_start(cloud_api: StartCloudApi) -> None:
    app = cloud_api()
    with app.client("en") as client:
        entry = output_entry(client, OPENAI_OUTPUT)
        assert entry["available"] is False
        assert [r["code"] for r in entry["reasons"]] == ["cloud.output_needs_key"]
        assert entry["reasons"][0]["fix_page"] == "settings"
        assert "OpenAI" in entry["reasons"][0]["message"]
        run_id = new_run(client)
        refused = client.post(
            "/api/generation", json={"run_id": run_id, "text": "a fox", "output_id": OPENROUTER_OUTPUT}
        )
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "cloud.output_needs_key"
        set_key(client, "openai", KEYS["openai"])
        assert output_entry(client, OPENAI_OUTPUT)["available"] is True
        assert output_entry(client, OPENROUTER_OUTPUT)["available"] is False


def test_offline_the_cloud_outputs_are_unavailable_with_the_reason(cloud_api: StartCloudApi) -> None:
    app = cloud_api(offline=True)
    with app.client("de") as client:
        set_key(client, "openai", KEYS["openai"])
        entry = output_entry(client, OPENAI_OUTPUT)
        assert entry["available"] is False
        assert [r["code"] for r in entry["reasons"]] == ["cloud.output_offline"]
        assert "Offline-Modus" in entry["reasons"][0]["message"]


def test_openai_image_becomes_a_run_with_media_and_the_request_without_the_key(
    cloud_api: StartCloudApi, cloud_server: CloudServerProcess
) -> None:
    app = cloud_api()
    with app.client("en") as client:
        set_key(client, "openai", KEYS["openai"])
        run_id = new_run(client)
        cloud_server.reset()
        _, events = generate(client, run_id, OPENAI_OUTPUT)
        assert final_state(events) == "succeeded", events[-3:]
        run = client.get(f"/api/runs/{run_id}").json()
        stages = [e["stage"] for e in of_type(events, "stage")]
        assert stages == ["translation", "safety_pre_output", "generation"]
        states = [e["state"] for e in of_type(events, "cloud")]
        assert states[:1] == ["connecting"] and "waiting" in states and states[-1] == "saving"
        assert states.index("waiting") < states.index("receiving") < states.index("saving")
        fractions = [e["fraction"] for e in of_type(events, "progress")]
        assert fractions[0] == 0.0 and fractions[-1] == 1.0

        media = of_type(events, "media")
        assert len(media) == 1
        picture = client.get(str(media[0]["url"]))
        assert picture.status_code == 200
        assert picture.headers["content-type"] == "image/png"
        expected = solid_png("A red fox in the snow#0")
        assert picture.content == expected
        assert media[0]["sha256"] == hashlib.sha256(expected).hexdigest()

    sent = [r for r in cloud_server.requests() if r["path"].endswith("/images/generations")]
    assert len(sent) == 1
    assert sent[0]["headers"]["authorization"] == f"Bearer {KEYS['openai']}"
    assert sent[0]["body"] == {
        "model": "gpt-image-1",
        "prompt": "A red fox in the snow",
        "n": 1,
        "size": "1024x1024",
        "quality": "medium",
        "output_format": "png",
        "moderation": "auto",
    }
    generation = run["generations"][-1]
    assert run["status"] == "complete"
    assert generation["status"] == "complete"
    assert generation["backend"] == "openai"
    assert generation["seed"] is None  # gpt-image-1 takes no seed: nothing pretends it did
    assert generation["parameters"] == {"height": 1024, "width": 1024}
    request = generation["request"]
    assert request["url"] == f"{cloud_server.root_url}/openai/v1/images/generations"
    assert request["body"] == sent[0]["body"]
    assert "Authorization" not in request["headers"] and "authorization" not in json.dumps(request).lower()
    assert generation["media"][0]["sha256"] == hashlib.sha256(expected).hexdigest()
    assert (app.data_dir / "data" / "runs" / run_id / generation["media"][0]["name"]).read_bytes() == expected


def test_gemini_image_through_openrouter_comes_back_as_a_data_uri(
    cloud_api: StartCloudApi, cloud_server: CloudServerProcess
) -> None:
    app = cloud_api()
    with app.client("en") as client:
        set_key(client, "openrouter", KEYS["openrouter"])
        run_id = new_run(client)
        cloud_server.reset()
        _, events = generate(client, run_id, OPENROUTER_OUTPUT, "A lighthouse at dusk")
        assert final_state(events) == "succeeded", events[-3:]
        run = client.get(f"/api/runs/{run_id}").json()
        media = of_type(events, "media")[0]
        picture = client.get(str(media["url"])).content

    sent = [r for r in cloud_server.requests() if r["path"].endswith("/chat/completions")]
    assert len(sent) == 1
    body = sent[0]["body"]
    assert sent[0]["headers"]["authorization"] == f"Bearer {KEYS['openrouter']}"
    assert sent[0]["headers"]["x-title"] == "AI4ArtsEd Desktop"
    assert body["model"] == "google/gemini-3-pro-image-preview"
    assert body["modalities"] == ["image", "text"]
    assert body["messages"][0]["content"].endswith("\n\nA lighthouse at dusk")
    assert picture == solid_png(body["messages"][0]["content"])
    generation = run["generations"][-1]
    assert generation["request"]["body"] == body
    assert generation["request"]["headers"]["X-Title"] == "AI4ArtsEd Desktop"
    assert generation["media"][0]["mime_type"] == "image/png"
    assert generation["media"][0]["sha256"] == hashlib.sha256(picture).hexdigest()
    # Cloud pictures pass the same local image check (kids is the default level here).
    assert [check["decision"] for check in generation["media_checks"]] == ["shown"]
    assert generation["media_checks"][0]["check_failure"] is None
    # The PNG is really what the data URI said, not something we made up.
    assert base64.b64encode(picture)


def test_cancel_while_the_provider_works_ends_the_job_without_waiting_for_the_answer(
    cloud_api: StartCloudApi, cloud_server: CloudServerProcess
) -> None:
    app = cloud_api()
    with app.client("en") as client:
        set_key(client, "openai", KEYS["openai"])
        run_id = new_run(client)
        cloud_server.behave("slow", delay_s=30)
        response = client.post(
            "/api/generation", json={"run_id": run_id, "text": "a slow fox", "output_id": OPENAI_OUTPUT}
        )
        job_id = response.json()["job_id"]
        seen: list[str] = []
        for event in iter_job_events(client, job_id):
            if event.type == "cloud":
                seen.append(str(event.data["state"]))
                if event.data["state"] == "waiting":
                    assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 202
            if event.type == "state" and event.data["state"] == "cancelled":
                break
        # The job ended while the provider was still "working" on the picture.
        pending = [r for r in cloud_server.requests() if r["path"].endswith("/images/generations")]
        assert pending and pending[-1]["completed"] is False
        run = client.get(f"/api/runs/{run_id}").json()
    assert "waiting" in seen
    assert run["status"] == "cancelled"
    assert run["generations"][-1]["status"] == "cancelled"
    assert run["generations"][-1]["media"] == []


def test_a_provider_that_stays_silent_too_long_is_a_timeout_in_plain_words(
    cloud_api: StartCloudApi, cloud_server: CloudServerProcess, tmp_path: Path
) -> None:
    catalog = copy_catalog(tmp_path / "catalog", {"output_openai_gpt_image_1": {"timeout_s": 1}})
    app = cloud_api(catalog_root=catalog)
    with app.client("en") as client:
        set_key(client, "openai", KEYS["openai"])
        run_id = new_run(client)
        cloud_server.behave("slow", delay_s=8)
        _, events = generate(client, run_id, OPENAI_OUTPUT)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "failed"
    error = error_of(events)
    assert error["code"] == "cloud.timeout"
    assert "did not finish" in str(error["message"]) and "1 seconds" in str(error["message"])
    assert run["generations"][-1]["error"]["code"] == "cloud.timeout"
