"""From approved text to media: translation, pre-output safety, the workflow sent to a managed ComfyUI
(the protocol-faithful test server, started by the app's own supervisor; the app itself runs
in-process), progress, previews, media in the run with sha256, cancel."""

from __future__ import annotations

import hashlib
import itertools
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.cli import comfyui_choice
from tests.browser.workshop_app import TEST_OUTPUT_ID, write_catalog
from tests.llm_testserver.process import TestServerProcess
from tests.support import loopback_http
from tests.support.app_process import REPO_ROOT, AppProcess
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.job_events import final_state, of_type, read_events
from tests.support.settings_files import write_settings

TEST_COMFYUI = REPO_ROOT / "tests" / "comfyui_testserver"
StartApp = Callable[..., InProcessApp]


@pytest.fixture
def app_with_comfyui(
    tmp_path: Path, llm_server: TestServerProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StartApp]:
    """The app in this process (what is tested is the pipeline, not the app's process) with a ComfyUI
    its own supervisor starts and manages, as ``--comfyui-dir`` does for the real app."""
    with ExitStack() as started:
        count = itertools.count()

        def start(
            comfyui_env: dict[str, str] | None = None, catalog_root: Path | None = None, **settings: Any
        ) -> InProcessApp:
            data_dir = tmp_path / f"app{next(count)}"
            write_settings(data_dir, base_url=llm_server.base_url, **settings)
            # The managed ComfyUI inherits the environment of the process whose supervisor starts it.
            for name, value in (comfyui_env or {}).items():
                monkeypatch.setenv(name, value)
            app = started.enter_context(
                in_process_app(
                    data_dir,
                    catalog_root=catalog_root,
                    comfyui=comfyui_choice(TEST_COMFYUI, Path(sys.executable), None),
                )
            )
            wait_until_comfyui_ready(app)
            return app

        yield start


def wait_until_comfyui_ready(app: InProcessApp | AppProcess, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with app.client() as client:
        while client.get("/api/comfyui/status").json()["state"] != "ready":
            assert time.monotonic() < deadline, client.get("/api/comfyui/status").json()
            time.sleep(0.1)


def release_held_nodes(app: InProcessApp) -> None:
    """Lets the managed test ComfyUI's held nodes (COMFYUI_TESTSERVER_HOLD_NODES) go on, now and later."""
    with app.client() as client:
        url = client.get("/api/comfyui/status").json()["url"]
    loopback_http.post(f"{url}/testserver/release", timeout=10.0).raise_for_status()


def new_run(client: httpx.Client, idea: str = "A red fox in the snow", language: str = "en") -> str:
    response = client.post(
        "/api/interception", json={"config_id": "as_is", "idea": idea, "rules": "", "language": language}
    )
    assert final_state(read_events(client, response.json()["job_id"])) == "succeeded"
    run_id: str = response.json()["run_id"]
    return run_id


def generate(
    client: httpx.Client, run_id: str, text: str, output_id: str, **extra: Any
) -> tuple[dict[str, Any], Any]:
    response = client.post(
        "/api/generation", json={"run_id": run_id, "text": text, "output_id": output_id, **extra}
    )
    assert response.status_code == 202, response.text
    return response.json(), read_events(client, response.json()["job_id"])


def test_selftest_image_from_text_to_media_with_every_step_recorded(app_with_comfyui: StartApp) -> None:
    app = app_with_comfyui()
    with app.client("en") as client:
        run_id = new_run(client)
        started, events = generate(client, run_id, "A red fox in the snow", "selftest_image")
        assert final_state(events) == "succeeded", events[-4:]
        stages = [e["stage"] for e in of_type(events, "stage")]
        assert stages == ["translation", "safety_pre_output", "generation"]
        # An English text goes on untranslated.
        assert of_type(events, "text")[0] == {
            "stage": "translation",
            "text": "A red fox in the snow",
            "applied": False,
        }
        fractions = [float(str(e["fraction"])) for e in of_type(events, "progress")]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
        media = of_type(events, "media")
        assert len(media) == 1 and media[0]["media_type"] == "image" and media[0]["mime_type"] == "image/png"

        download = client.get(str(media[0]["url"]))
        assert download.status_code == 200
        by_type = client.get(f"/api/media/image/{run_id}")
        assert by_type.status_code == 200 and by_type.content == download.content
        assert client.get(f"/api/media/video/{run_id}").status_code == 404
        assert client.get(f"/api/media/hologram/{run_id}").status_code == 404
        assert client.get(f"/api/runs/{run_id}/media/run.json").status_code == 404
        assert download.headers["content-type"] == "image/png"
        assert download.content.startswith(b"\x89PNG")
        run = client.get(f"/api/runs/{run_id}").json()

    generation = run["generations"][0]
    assert generation["id"] == started["generation_id"]
    assert generation["status"] == "complete"
    assert generation["media"][0]["sha256"] == hashlib.sha256(download.content).hexdigest()
    stored = app.data_dir / "data" / "runs" / run_id / generation["media"][0]["name"]
    assert stored.read_bytes() == download.content
    # The exact workflow sent, with the recorded seed and the run's prefix in it.
    workflow = generation["request"]
    assert isinstance(generation["seed"], int)
    sent_values = [value for node in workflow.values() for value in node["inputs"].values()]
    assert generation["seed"] in sent_values
    assert f"ai4artsed/{run_id}" in sent_values
    assert "nsfw" in generation["negative_prompt"], "kids level adds its negative terms"
    assert run["safety"][-1]["stage"] == "pre_output"


def test_german_text_is_translated_before_generation(app_with_comfyui: StartApp, tmp_path: Path) -> None:
    # A model output (not a self-test): the test catalog's copy of the self-test picture.
    app = app_with_comfyui(catalog_root=write_catalog(tmp_path / "catalog"))
    with app.client("de") as client:
        run_id = new_run(client, "Ein roter Fuchs im Schnee", "de")
        _, events = generate(client, run_id, "Ein roter Fuchs im Schnee und der Mond", TEST_OUTPUT_ID)
        _, selftest = generate(client, run_id, "Ein grüner Fuchs im Schnee", "selftest_image")
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "succeeded"
    assert final_state(selftest) == "succeeded"
    # A self-test output skips the translation: its picture does not depend on the words.
    skipped = run["generations"][1]["translation"]
    assert skipped["applied"] is False and skipped["llm_call"] is None
    assert skipped["english"] == "Ein grüner Fuchs im Schnee"
    translation = run["generations"][0]["translation"]
    assert translation["applied"] is True
    # The echo server shows that the student's text was the Input of the translation.
    assert translation["english"] == "echo: Ein roter Fuchs im Schnee und der Mond"
    assert translation["llm_call"]["task"].startswith("Übersetze")


def test_the_same_seed_again_gives_the_same_workflow(
    app_with_comfyui: StartApp, llm_server: TestServerProcess, tmp_path: Path
) -> None:
    app = app_with_comfyui(catalog_root=write_catalog(tmp_path / "catalog"))
    text = "Ein roter Fuchs springt über den gefrorenen Bach"
    with app.client("de") as client:
        run_id = new_run(client, "Ein roter Fuchs", "de")
        _first, events = generate(client, run_id, text, TEST_OUTPUT_ID, seed=123456)
        assert final_state(events) == "succeeded"
        _, again = generate(client, run_id, text, TEST_OUTPUT_ID, seed=123456)
        assert final_state(again) == "succeeded"
        run = client.get(f"/api/runs/{run_id}").json()
    one, two = run["generations"]
    assert one["seed"] == two["seed"] == 123456
    # The whole workflow sent, file prefix included, is the same: the same picture comes back.
    assert one["request"] == two["request"]
    assert one["negative_prompt"] == two["negative_prompt"]
    assert two["translation"]["english"] == one["translation"]["english"]
    # The English of the first generation was reused, not asked for again (at temperature 0)...
    translations = [
        request["body"]
        for request in loopback_http.get(f"{llm_server.root_url}/_control/requests").json()
        if text in str(request.get("body")) and "Übersetze" in str(request.get("body"))
    ]
    assert len(translations) == 1, translations
    assert translations[0]["temperature"] == 0
    assert two["translation"]["llm_call"] is None
    # ...but the check before the output ran both times.
    assert [v["stage"] for v in run["safety"]].count("pre_output") == 2
    # Two generations, two media files: each saved under its own generation.
    assert one["media"][0]["name"] != two["media"][0]["name"]


@pytest.mark.parametrize(
    ("output_id", "media_type", "mime"),
    [
        ("selftest_audio", "audio", "audio/mpeg"),
        ("selftest_video", "video", "video/mp4"),
    ],
)
def test_sound_and_video(app_with_comfyui: StartApp, output_id: str, media_type: str, mime: str) -> None:
    app = app_with_comfyui()
    with app.client() as client:
        run_id = new_run(client)
        _, events = generate(client, run_id, "A red fox", output_id)
    assert final_state(events) == "succeeded", events[-4:]
    media = of_type(events, "media")
    assert {m["media_type"] for m in media} == {media_type}
    assert mime in {m["mime_type"] for m in media}


def test_pre_output_block_stops_before_comfyui(app_with_comfyui: StartApp) -> None:
    app = app_with_comfyui(level="kids")
    with app.client("en") as client:
        run_id = new_run(client)
        _, events = generate(client, run_id, "a swastika flag", "selftest_image")
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    assert of_type(events, "blocked")[0]["stage"] == "pre_output"
    assert "generation" not in [e["stage"] for e in of_type(events, "stage")]
    assert run["generations"][0]["status"] == "blocked"
    assert run["generations"][0]["request"] is None


def test_cancel_during_generation_leaves_the_run_cancelled(app_with_comfyui: StartApp) -> None:
    # Like ComfyUI, the test server notices an interrupt only between nodes (these have no steps). The
    # first node is held until the interrupt comes, so the cancel surely lands while it works, and the
    # interrupt then stops the job before the next node: nothing is saved.
    app = app_with_comfyui(comfyui_env={"COMFYUI_TESTSERVER_HOLD_NODES": "EmptyImage"})
    with app.client() as client:
        run_id = new_run(client)
        response = client.post(
            "/api/generation", json={"run_id": run_id, "text": "A red fox", "output_id": "selftest_image"}
        )
        job_id = response.json()["job_id"]
        early = read_events(client, job_id, limit=12)
        assert any(e.type == "executing" for e in early), [e.type for e in early]
        assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 202
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "cancelled"
    assert run["status"] == "cancelled"
    assert run["generations"][0]["status"] == "cancelled"
    assert of_type(events, "media") == []


def test_a_failing_node_is_explained(app_with_comfyui: StartApp) -> None:
    app = app_with_comfyui(
        comfyui_env={
            "COMFYUI_TESTSERVER_FAIL_NODES": "SaveImage",
            "COMFYUI_TESTSERVER_FAIL_EXCEPTION_TYPE": "torch.OutOfMemoryError",
            "COMFYUI_TESTSERVER_FAIL_MESSAGE": "Allocation on device failed",
        }
    )
    with app.client("en") as client:
        run_id = new_run(client)
        _, events = generate(client, run_id, "A red fox", "selftest_image")
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "failed"
    error = of_type(events, "error")[0]
    assert "memory" in str(error["message"]).lower()
    assert "Traceback" not in str(error["message"])
    assert run["generations"][0]["error"]["code"] == error["code"]


def test_a_model_output_without_its_files_is_refused_with_the_model_named(app_with_comfyui: StartApp) -> None:
    # The model check refuses before a job starts, naming the model in the reader's language.
    app = app_with_comfyui()
    with app.client("en") as client:
        run_id = new_run(client)
        response = client.post(
            "/api/generation", json={"run_id": run_id, "text": "A red fox", "output_id": "flux1_schnell"}
        )
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "output_model_file_missing"
    assert "FLUX.1 schnell (fp8, text encoders and VAE included)" in error["message"], error["message"]
    assert "17.2 GB" in error["message"] and "'de'" not in error["message"], error["message"]


def test_generation_jobs_wait_in_our_queue_with_positions(app_with_comfyui: StartApp) -> None:
    # The first job's save is held until all three are in our queue.
    app = app_with_comfyui(comfyui_env={"COMFYUI_TESTSERVER_HOLD_NODES": "SaveImage"})
    with app.client() as client:
        run_id = new_run(client)
        jobs = [
            client.post(
                "/api/generation", json={"run_id": run_id, "text": "fox", "output_id": "selftest_image"}
            ).json()["job_id"]
            for _ in range(3)
        ]
        release_held_nodes(app)
        last = read_events(client, jobs[-1])
    positions = [e["position"] for e in of_type(last, "queue")]
    assert positions[0] == 3 or positions[0] == 2
    assert positions[-1] == 1
    assert final_state(last) == "succeeded"


def test_a_run_with_a_generation_waiting_in_the_queue_cannot_be_deleted(app_with_comfyui: StartApp) -> None:
    # The first job's save is held, so the second surely waits in the queue while the test looks.
    app = app_with_comfyui(comfyui_env={"COMFYUI_TESTSERVER_HOLD_NODES": "SaveImage"})
    with app.client("en") as client:
        busy_run, waiting_run = new_run(client), new_run(client, "A blue whale")
        first = client.post(
            "/api/generation", json={"run_id": busy_run, "text": "fox", "output_id": "selftest_image"}
        ).json()["job_id"]
        second = client.post(
            "/api/generation", json={"run_id": waiting_run, "text": "whale", "output_id": "selftest_image"}
        ).json()["job_id"]
        assert client.get(f"/api/jobs/{second}").json()["state"] == "queued"
        refused = client.delete(f"/api/runs/{waiting_run}")
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "run_in_use"
        release_held_nodes(app)
        assert final_state(read_events(client, first)) == "succeeded"
        assert final_state(read_events(client, second)) == "succeeded"
        # Once the job is done, the run can go.
        assert client.delete(f"/api/runs/{waiting_run}").status_code == 200
