"""Offline bundles from one PC to another, verification of placed files, removal, the folder API, all
in-process (``start_model_api``): they use only the API and the app's folders."""

from __future__ import annotations

import json
from pathlib import Path

from tests.model_files.catalog import TinyModels, manifest_entry, write_model_catalog
from tests.model_files.conftest import (
    StartModelApp,
    events_until,
    files_by_id,
    job_result,
    notice_codes,
    output_reasons,
    run_job,
)
from tests.model_files.model_files import safetensors_bytes, write_sparse_safetensors
from tests.support.job_events import read_events


def test_a_bundle_equips_a_second_pc(
    tmp_path: Path, shm_dir: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "download")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    first = start_model_api(catalog)
    with first.client() as client:
        job_result(run_job(client, "/api/models/import", {"folder": str(tmp_path / "download")}))
        # The USB stick is another file system: the bundle is a copy.
        result = job_result(
            run_job(
                client,
                "/api/models/bundle",
                {"folder": str(shm_dir), "model_ids": ["tiny_ckpt", "tiny_te", "tiny_vae"]},
            )
        )
        assert result["written"] == ["tiny_ckpt", "tiny_te", "tiny_vae"]
    bundle = shm_dir / "ai4artsed-models"
    manifest = json.loads((bundle / "ai4artsed-bundle.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "ai4artsed-model-bundle"
    entries = {entry["id"]: entry for entry in manifest["models"]}
    # Every file carries a checksum, also the one the app's own list has none for.
    assert entries["tiny_vae"]["sha256"] == tiny.vae.sha256
    assert (bundle / "checkpoints" / tiny.checkpoint.filename).read_bytes() == (
        tmp_path / "download" / tiny.checkpoint.filename
    ).read_bytes()

    second = start_model_api(catalog)  # another PC, no internet
    with second.client() as client:
        assert [
            r["code"] for r in output_reasons(client, "tiny_image") if r["code"].startswith("output_model")
        ] == ["output_model_files_missing"]
        events = run_job(client, "/api/models/import", {"folder": str(shm_dir)})
        result = job_result(events)
        assert result["bundle"] is True and result["imported"] == 3
        outcomes = {item["model_id"]: item for item in result["outcomes"]}
        # The bundle's checksum verifies the file the app's own list has no checksum for.
        assert outcomes["tiny_vae"]["verified"] is True
        assert "model_imported_copy" in notice_codes(events)
        assert [r for r in output_reasons(client, "tiny_image") if r["code"].startswith("output_model")] == []


def test_a_damaged_file_in_a_bundle_is_refused(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "download")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    first = start_model_api(catalog)
    stick = tmp_path / "stick"
    stick.mkdir()
    with first.client() as client:
        job_result(run_job(client, "/api/models/import", {"folder": str(tmp_path / "download")}))
        job_result(run_job(client, "/api/models/bundle", {"folder": str(stick), "model_ids": ["tiny_vae"]}))
    damaged = stick / "ai4artsed-models" / "vae" / tiny.vae.filename
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0xFF
    damaged.unlink()  # it was a hardlink to the first PC's file
    damaged.write_bytes(bytes(data))
    second = start_model_api(catalog)
    with second.client() as client:
        result = job_result(run_job(client, "/api/models/import", {"folder": str(stick)}))
    assert [item["outcome"] for item in result["outcomes"]] == ["checksum_mismatch"]
    assert not (second.models_dir / "vae" / tiny.vae.filename).exists()


def test_verify_finds_a_file_that_changed_on_disk_and_remove_repairs(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "download")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    running = start_model_api(catalog)
    with running.client() as client:
        job_result(run_job(client, "/api/models/import", {"folder": str(tmp_path / "download")}))
        placed = running.models_dir / "checkpoints" / tiny.checkpoint.filename
        placed.unlink()  # break the hardlink, then damage the app's copy (same size)
        damaged = bytearray(safetensors_bytes(tiny.checkpoint.payload))
        damaged[-3] ^= 0x01
        placed.write_bytes(bytes(damaged))

        events = run_job(client, "/api/models/verify", {"model_ids": None})
        result = job_result(events)
        assert result["results"]["tiny_ckpt"] == "damaged"
        assert result["results"]["tiny_te"] == "verified"
        assert result["results"]["tiny_vae"] == "no_checksum"
        assert files_by_id(client)["tiny_ckpt"]["state"] == "damaged"
        reasons = output_reasons(client, "tiny_image")
        damaged_reason = next(r for r in reasons if r["code"] == "output_model_file_damaged")
        assert damaged_reason["fix_page"] == "models"
        assert tiny.checkpoint.filename in damaged_reason["message"]

        assert client.delete("/api/models/files/tiny_ckpt").status_code == 200
        assert not placed.exists()
        assert files_by_id(client)["tiny_ckpt"]["state"] == "missing"
        assert (
            client.delete("/api/models/files/tiny_ckpt").json()["error"]["code"] == "model_file_not_present"
        )
        job_result(run_job(client, "/api/models/import", {"folder": str(tmp_path / "download")}))
        assert files_by_id(client)["tiny_ckpt"]["checksum"] == "verified"


def test_folder_places_and_browse_api(
    tmp_path: Path, fake_home: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "download")
    (fake_home / "ComfyUI" / "models" / "checkpoints").mkdir(parents=True)
    (fake_home / "Downloads").mkdir()
    running = start_model_api(write_model_catalog(tmp_path / "catalog", tiny))
    with running.client("de") as client:
        listed = client.get("/api/models/folders").json()
        assert [(f["origin"], f["layout"]) for f in listed["folders"]] == [("found", "comfyui")]
        assert listed["find_existing"] is True
        refused = client.post("/api/models/folders", json={"path": str(tmp_path / "download")})
        assert refused.status_code == 400
        assert "ComfyUI oder SwarmUI" in refused.json()["error"]["message"]
        folder_id = listed["folders"][0]["id"]
        assert (
            client.patch(f"/api/models/folders/{folder_id}", json={"enabled": False}).json()["enabled"]
            is False
        )
        assert client.delete(f"/api/models/folders/{folder_id}").status_code == 200
        assert (
            client.put("/api/models/folders/find-existing", json={"find_existing": False}).status_code == 200
        )
        assert client.get("/api/models/folders").json()["folders"] == []
        settings = json.loads((running.app.data_dir / "config" / "settings.json").read_text(encoding="utf-8"))
        assert settings["model_folders"]["find_existing"] is False

        places = client.get("/api/models/places").json()["places"]
        assert {place["kind"] for place in places} >= {"home", "downloads"}
        listing = client.get("/api/models/browse", params={"path": str(tmp_path / "download")}).json()
        assert listing["model_files"] == 4 and listing["bundle"] is False and listing["folders"] == []
        home = client.get("/api/models/browse", params={"path": str(fake_home)}).json()
        assert home["folders"] == ["ComfyUI", "Downloads"]
        assert client.get("/api/models/browse", params={"path": "x"}).status_code == 400
        assert client.get("/api/models/browse", params={"path": str(tmp_path / "nope")}).status_code == 404


def test_a_running_import_is_listed_for_a_page_that_opens_later(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "download")
    size = 12 * 1000**3
    write_sparse_safetensors(tmp_path / "stick" / "big.safetensors", size)
    extra = manifest_entry(tiny.checkpoint, id="big", filename="big.safetensors", size=size, sha256="2" * 64)
    running = start_model_api(write_model_catalog(tmp_path / "catalog", tiny, [extra]))
    with running.client() as client:
        job_id = client.post("/api/models/import", json={"folder": str(tmp_path / "stick")}).json()["job_id"]
        events_until(client, job_id, lambda event: event.type == "model_progress")
        assert client.get("/api/models").json()["jobs"] == [job_id]
        client.post(f"/api/jobs/{job_id}/cancel")
        events = read_events(client, job_id)
        assert [e.data["state"] for e in events if e.type == "state"][-1] == "cancelled"
        assert client.get("/api/models").json()["jobs"] == []
