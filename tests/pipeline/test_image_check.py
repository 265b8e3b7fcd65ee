"""The local image check on generated media at kids and youth: the real ONNX model on the real PNGs
and MP4s of the ComfyUI test server; a detector double only for the flagged case."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.test_generation import StartApp, app_with_comfyui, generate, new_run
from tests.support.job_events import final_state, of_type
from tests.support.onnx_double import write_flagging_detector

__all__ = ["app_with_comfyui"]  # the fixture, used by name


@pytest.mark.parametrize(("output_id", "frames"), [("selftest_image", 1), ("selftest_video", 4)])
def test_every_generated_image_is_checked_by_the_real_model_and_shown(
    app_with_comfyui: StartApp, output_id: str, frames: int
) -> None:
    app = app_with_comfyui(level="youth")
    with app.client("en") as client:
        run_id = new_run(client)
        _, events = generate(client, run_id, "A red fox in the snow", output_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "succeeded", events[-3:]
    generation = run["generations"][0]
    checks = generation["media_checks"]
    assert [c["name"] for c in checks] == [m["name"] for m in generation["media"]]
    assert all(c["decision"] == "shown" and c["findings"] == {} for c in checks)
    assert checks[0]["frames"] == frames and checks[0]["check_failure"] is None


def test_the_adult_level_runs_no_image_check(app_with_comfyui: StartApp) -> None:
    app = app_with_comfyui(level="adult")
    with app.client("en") as client:
        run_id = new_run(client)
        _, events = generate(client, run_id, "A red fox in the snow", "selftest_image")
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "succeeded"
    assert run["generations"][0]["media_checks"] == []


def test_flagged_media_are_withheld_end_to_end(app_with_comfyui: StartApp, tmp_path: Path) -> None:
    double = write_flagging_detector(tmp_path / "flagging.onnx", "FEMALE_BREAST_EXPOSED", 0.9)
    app = app_with_comfyui(comfyui_env={"AI4ARTSED_NUDITY_MODEL": str(double)}, level="kids")
    with app.client("de") as client:
        run_id = new_run(client)
        _, events = generate(client, run_id, "A red fox in the snow", "selftest_image")
        run = client.get(f"/api/runs/{run_id}").json()
        assert client.get(f"/api/media/image/{run_id}").status_code == 404
        gallery = client.get("/api/runs").json()
    assert final_state(events) == "blocked"
    assert of_type(events, "media") == [], "the student never gets the file"
    blocked = of_type(events, "blocked")[0]
    assert blocked["code"] == "safety.media_withheld.kids" and blocked["stage"] == "image_check"
    assert "Bild" in str(blocked["message"])
    generation = run["generations"][0]
    assert generation["status"] == "blocked" and generation["media"] == []
    check = generation["media_checks"][0]
    assert check["decision"] == "withheld"
    assert check["findings"] == {"FEMALE_BREAST_EXPOSED": 0.9}
    # Deleted from the run folder, so no export, gallery or URL can reach it.
    assert not (app.data_dir / "data" / "runs" / run_id / check["name"]).exists()
    assert run["status"] == "blocked"
    assert str(gallery).count(check["name"]) == 0
    card = next(entry for entry in gallery["runs"] if entry["id"] == run_id)
    assert card["withheld"] == 1 and card["cover"] is None and card["media_count"] == 0


def test_a_missing_detector_withholds_to_be_careful(app_with_comfyui: StartApp, tmp_path: Path) -> None:
    app = app_with_comfyui(comfyui_env={"AI4ARTSED_NUDITY_MODEL": str(tmp_path / "absent.onnx")})
    with app.client("en") as client:
        run_id = new_run(client)
        _, events = generate(client, run_id, "A red fox in the snow", "selftest_image")
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    assert run["generations"][0]["media_checks"][0]["check_failure"] == "model_missing"
