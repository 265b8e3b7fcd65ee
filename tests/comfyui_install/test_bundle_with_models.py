"""A ComfyUI lab bundle can carry the chosen model files too (the models page's bundle, beside it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.comfyui_install.conftest import LocalSources
from tests.model_files.catalog import TinyModels, write_model_catalog
from tests.model_files.conftest import (  # noqa: F401 (fixtures)
    StartModelApp,
    fake_home,
    job_result,
    run_job,
    start_model_app,
    tiny,
)
from tests.support.job_events import final_state, read_events

pytestmark = pytest.mark.timeout(600)


def test_a_lab_bundle_carries_the_chosen_model_files(
    tmp_path: Path,
    tiny: TinyModels,  # noqa: F811
    start_model_app: StartModelApp,  # noqa: F811
    local_sources: LocalSources,
) -> None:
    tiny.write_all(tmp_path / "download")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    release = local_sources.release(tmp_path / "release.json")
    stick = tmp_path / "stick"
    stick.mkdir()
    maker = start_model_app(catalog, env={"AI4ARTSED_COMFYUI_RELEASE": str(release)})
    with maker.client() as client:
        job_result(run_job(client, "/api/models/import", {"folder": str(tmp_path / "download")}))
        unknown = client.post(
            "/api/comfyui/install/bundle", json={"folder": str(stick), "model_ids": ["no_such_model"]}
        )
        assert unknown.status_code in (400, 404), unknown.text
        answer = client.post(
            "/api/comfyui/install/bundle",
            json={"folder": str(stick), "model_ids": ["tiny_ckpt", "tiny_vae"]},
        )
        assert answer.status_code == 202, answer.text
        events = read_events(client, answer.json()["job_id"])
        assert final_state(events) == "succeeded", events
        assert [e.data["phase"] for e in events if e.type == "phase"][-1] == "models"
    comfyui = json.loads((stick / "ai4artsed-comfyui" / "ai4artsed-comfyui-bundle.json").read_text("utf-8"))
    assert comfyui["archive"]["sha256"] == local_sources.archive_sha256
    models = json.loads((stick / "ai4artsed-models" / "ai4artsed-bundle.json").read_text("utf-8"))
    assert sorted(entry["id"] for entry in models["models"]) == ["tiny_ckpt", "tiny_vae"]
    assert (stick / "ai4artsed-models" / "checkpoints" / tiny.checkpoint.filename).is_file()
