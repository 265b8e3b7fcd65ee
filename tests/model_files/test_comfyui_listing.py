"""The managed ComfyUI lists the placed files through our extra_model_paths.yaml.

Imported files land in the managed (``is_default``) section; an existing ComfyUI found in the home
folder (with the legacy ``clip`` folder name) and a SwarmUI folder chosen by the teacher become
read-only sections, so ComfyUI offers their files without a copy. Runs with the ComfyUI test server
and, when COMFYUI_DIR/COMFYUI_PYTHON are set, with a real ComfyUI.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.model_files.catalog import TinyModels, write_model_catalog
from tests.model_files.conftest import (
    ModelApp,
    StartModelApp,
    files_by_id,
    job_result,
    output_reasons,
    run_job,
)
from tests.support import loopback_http
from tests.support.app_process import REPO_ROOT

TESTSERVER = REPO_ROOT / "tests" / "comfyui_testserver"


def _wait_ready(client: httpx.Client, timeout: float, previous_pid: int | None = None) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: dict[str, object] = client.get("/api/comfyui/status").json()
        if status["state"] == "ready" and status["pid"] != previous_pid:
            return status
        assert status["state"] != "failed", status
        time.sleep(0.2)
    raise AssertionError(f"ComfyUI did not become ready: {status}")


def _choices(url: str, node: str, name: str) -> list[str]:
    spec = loopback_http.get(f"{url}/object_info/{node}", timeout=30).json()[node]["input"]["required"][name]
    return list(spec[0]) if isinstance(spec[0], list) else list(spec[1]["options"])


def _check_listing(
    tmp_path: Path,
    fake_home: Path,
    tiny: TinyModels,
    start: StartModelApp,
    comfyui: list[str],
    timeout: float,
) -> None:
    tiny.write_all(tmp_path / "original")  # sizes and checksums for the manifest
    sources = tmp_path / "stick"
    tiny.checkpoint.write(sources)
    # An existing ComfyUI in the home folder, with its text encoder under the legacy name "clip".
    tiny.text_encoder.write(fake_home / "ComfyUI" / "models" / "clip")
    (fake_home / "ComfyUI" / "models" / "checkpoints").mkdir()
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    running: ModelApp = start(catalog, extra_args=comfyui)
    with running.client() as client:
        status = _wait_ready(client, timeout)
        url = str(status["url"])
        job_result(run_job(client, "/api/models/import", {"folder": str(sources)}))

        assert tiny.checkpoint.filename in _choices(url, "CheckpointLoaderSimple", "ckpt_name")
        assert tiny.text_encoder.filename in _choices(url, "CLIPLoader", "clip_name")
        reasons = output_reasons(client, "tiny_image")
        assert reasons == [], reasons
        files = files_by_id(client)
        assert files["tiny_ckpt"]["origin"] == "managed"
        assert files["tiny_te"]["origin"] == "found"
        assert files["tiny_ckpt"]["comfyui_listed"] is True
        assert files["tiny_te"]["comfyui_listed"] is True

        written = yaml.safe_load((running.data_dir / "comfyui" / "extra_model_paths.yaml").read_text("utf-8"))
        managed = written["ai4artsed_models"]
        assert managed["is_default"] is True
        home_comfyui = str((fake_home / "ComfyUI" / "models").resolve())
        found = [section for section in written.values() if section["base_path"] == home_comfyui]
        assert len(found) == 1
        assert found[0]["text_encoders"] == "clip"
        assert "is_default" not in found[0]
        # The managed ComfyUI's own models folder needs no section (ComfyUI reads it anyway).
        assert len(written) == 2

        # A SwarmUI folder chosen while ComfyUI runs: ComfyUI needs a restart to read the new section.
        swarm = tmp_path / "SwarmUI"
        extra = TinyModels().vae
        extra.write(swarm / "Models" / "VAE")
        (swarm / "Models" / "Stable-Diffusion").mkdir()
        added = client.post("/api/models/folders", json={"path": str(swarm)})
        assert added.status_code == 201, added.text
        assert added.json()["layout"] == "swarmui"
        assert client.get("/api/models").json()["restart_needed"] is True
        client.post("/api/comfyui/restart")
        status = _wait_ready(client, timeout, previous_pid=int(str(status["pid"])))
        url = str(status["url"])
        assert extra.filename in _choices(url, "VAELoader", "vae_name")
        assert client.get("/api/models").json()["restart_needed"] is False

        # Switched off: after the next start ComfyUI no longer reads the found folder.
        folder_id = next(
            f["id"] for f in client.get("/api/models/folders").json()["folders"] if f["origin"] == "found"
        )
        assert client.patch(f"/api/models/folders/{folder_id}", json={"enabled": False}).status_code == 200
        client.post("/api/comfyui/restart")
        status = _wait_ready(client, timeout, previous_pid=int(str(status["pid"])))
        assert tiny.text_encoder.filename not in _choices(str(status["url"]), "CLIPLoader", "clip_name")
        codes = [reason["code"] for reason in output_reasons(client, "tiny_image")]
        assert codes == ["output_model_files_missing"]


def test_comfyui_testserver_lists_imported_and_referenced_files(
    tmp_path: Path, fake_home: Path, tiny: TinyModels, start_model_app: StartModelApp
) -> None:
    args = [f"--comfyui-dir={TESTSERVER}", f"--comfyui-python={sys.executable}"]
    _check_listing(tmp_path, fake_home, tiny, start_model_app, args, timeout=60)


@pytest.mark.real_comfyui
def test_real_comfyui_lists_imported_and_referenced_files(
    tmp_path: Path, fake_home: Path, tiny: TinyModels, start_model_app: StartModelApp
) -> None:
    directory, python = os.environ.get("COMFYUI_DIR"), os.environ.get("COMFYUI_PYTHON")
    if not directory or not python:
        pytest.skip("set COMFYUI_DIR and COMFYUI_PYTHON to run this against a real ComfyUI")
    args = [f"--comfyui-dir={directory}", f"--comfyui-python={python}"]
    _check_listing(tmp_path, fake_home, tiny, start_model_app, args, timeout=300)
