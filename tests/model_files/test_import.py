"""Import from a folder (a USB stick): placement, matching, every refusal. In-process (``start_model_api``);
the full disk stays with the real app (``start_model_app``)."""

from __future__ import annotations

from pathlib import Path

from tests.model_files.catalog import TinyModels, manifest_entry, write_model_catalog
from tests.model_files.conftest import (
    StartModelApp,
    events_until,
    files_by_id,
    job_result,
    leftovers,
    notice_codes,
    notices,
    output_reasons,
    run_job,
)
from tests.model_files.model_files import (
    safetensors_bytes,
    write_pickle_checkpoint,
    write_sparse_safetensors,
)
from tests.support.job_events import read_events


def _model_codes(reasons: list[dict[str, object]]) -> list[str]:
    return [str(reason["code"]) for reason in reasons if str(reason["code"]).startswith("output_model")]


def test_import_by_hardlink_makes_the_output_available_without_copying(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    stick = tmp_path / "stick"  # the same file system as the app's data: a hardlink serves
    sources = tiny.write_all(stick / "models for school")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    running = start_model_api(catalog)
    with running.client() as client:
        before = output_reasons(client, "tiny_image")
        assert _model_codes(before) == ["output_model_files_missing"]
        missing = next(r for r in before if r["code"] == "output_model_files_missing")
        assert missing["fix_page"] == "models"
        assert "Tiny picture needs 2 files" in str(missing["message"])
        assert "Missing (2): Tiny tiny_ckpt" in str(missing["message"])

        events = run_job(client, "/api/models/import", {"folder": str(stick)})
        result = job_result(events)
        assert result["imported"] == 4
        by_file = {item["model_id"]: item for item in result["outcomes"]}
        assert {item["method"] for item in by_file.values()} == {"hardlink"}
        assert by_file["tiny_ckpt"]["verified"] is True
        # No checksum in the manifest: accepted by name and size, and the teacher is told so.
        assert by_file["tiny_vae"]["verified"] is False
        assert "model_imported_unverified" in notice_codes(events)
        assert any(event.type == "model_progress" for event in events)

        placed = running.models_dir / "checkpoints" / tiny.checkpoint.filename
        assert placed.stat().st_ino == sources["tiny_ckpt"].stat().st_ino
        assert (running.models_dir / "llm" / "tiny.gguf").is_file()
        assert _model_codes(output_reasons(client, "tiny_image")) == []
        files = files_by_id(client)
        assert files["tiny_ckpt"]["state"] == "present"
        assert files["tiny_ckpt"]["checksum"] == "verified"
        assert files["tiny_vae"]["checksum"] == "no_checksum"
        assert files["tiny_ckpt"]["origin"] == "managed"
        assert files["tiny_ckpt"]["used_by"] == ["tiny_image"]

        again = job_result(run_job(client, "/api/models/import", {"folder": str(stick)}))
        assert again["imported"] == 0 and again["already_present"] == 4
    assert leftovers(running.models_dir) == []


def test_import_by_copy_from_another_file_system(
    tmp_path: Path, shm_dir: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    sources = tiny.write_all(shm_dir)
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    running = start_model_api(catalog)
    with running.client("de") as client:
        events = run_job(client, "/api/models/import", {"folder": str(shm_dir)})
        result = job_result(events)
        assert {item["method"] for item in result["outcomes"]} == {"copy"}
        copied = [data for data in notices(events) if data["code"] == "model_imported_copy"]
        assert copied and "wurde kopiert" in str(copied[0]["message"])
        assert any(event.data.get("phase") == "copy" for event in events if event.type == "model_progress")
    placed = running.models_dir / "text_encoders" / tiny.text_encoder.filename
    assert placed.read_bytes() == sources["tiny_te"].read_bytes()
    assert placed.stat().st_ino != sources["tiny_te"].stat().st_ino
    assert leftovers(running.models_dir) == []


def test_renamed_file_is_matched_by_sha256_and_placed_under_its_real_name(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "original")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    stick = tmp_path / "stick"
    tiny.checkpoint.write(stick / "deep" / "folder", name="my-renamed-model.safetensors")
    # Same size as the checkpoint but other content: no checksum matches, so it is unknown.
    (stick / "other.safetensors").write_bytes(safetensors_bytes(b"x" * len(tiny.checkpoint.payload)))
    running = start_model_api(catalog)
    with running.client() as client:
        events = run_job(client, "/api/models/import", {"folder": str(stick)})
        result = job_result(events)
    outcomes = {item["file"]: item for item in result["outcomes"]}
    assert outcomes["deep/folder/my-renamed-model.safetensors"]["model_id"] == "tiny_ckpt"
    assert outcomes["deep/folder/my-renamed-model.safetensors"]["code"] == "model_imported_renamed"
    assert outcomes["other.safetensors"]["outcome"] == "unknown"
    assert (running.models_dir / "checkpoints" / "tiny-model.safetensors").is_file()
    assert not (running.models_dir / "checkpoints" / "my-renamed-model.safetensors").exists()


def test_corrupted_file_is_caught_by_sha256_and_nothing_stays(
    tmp_path: Path, shm_dir: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "original")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    # Same name and size, one flipped byte in the tensor data (a bad sector, a broken copy).
    for folder in (tmp_path / "stick", shm_dir):
        damaged = bytearray(safetensors_bytes(tiny.checkpoint.payload))
        damaged[-10] ^= 0xFF
        (folder / tiny.checkpoint.filename).parent.mkdir(parents=True, exist_ok=True)
        (folder / tiny.checkpoint.filename).write_bytes(bytes(damaged))
    running = start_model_api(catalog)
    with running.client() as client:
        for folder in (tmp_path / "stick", shm_dir):  # hardlink path, then copy path
            events = run_job(client, "/api/models/import", {"folder": str(folder)})
            result = job_result(events)
            assert [item["outcome"] for item in result["outcomes"]] == ["checksum_mismatch"]
            message = next(n for n in notices(events) if n["code"] == "model_import_checksum_mismatch")[
                "message"
            ]
            assert "checksum does not match" in str(message)
    assert list((running.models_dir / "checkpoints").iterdir()) == []


def test_pickle_files_and_fake_headers_are_refused_with_an_explanation(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "original")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    stick = tmp_path / "stick"
    write_pickle_checkpoint(stick / "old-model.ckpt")
    write_pickle_checkpoint(stick / "weights.pt")
    # A pickle under a model name, a text file under a model name, a cut-off copy.
    write_pickle_checkpoint(stick / tiny.checkpoint.filename)
    (stick / tiny.text_encoder.filename).write_text("this is not a model" * 100)
    whole = safetensors_bytes(tiny.vae.payload)
    (stick / tiny.vae.filename).write_bytes(whole[: len(whole) // 2])
    (stick / "tiny.gguf").write_bytes(b"GGUX" + bytes(100))
    running = start_model_api(catalog)
    with running.client("de") as client:
        events = run_job(client, "/api/models/import", {"folder": str(stick)})
        result = job_result(events)
        codes = {item["file"]: item["code"] for item in result["outcomes"]}
        assert codes == {
            "old-model.ckpt": "model_file_pickle",
            "weights.pt": "model_file_pickle",
            tiny.checkpoint.filename: "model_file_disguised_pickle",
            tiny.text_encoder.filename: "model_file_invalid_header",
            tiny.vae.filename: "model_file_truncated",
            "tiny.gguf": "model_file_invalid_header",
        }
        assert result["imported"] == 0
        pickle = next(n for n in notices(events) if n["code"] == "model_file_pickle")
        assert "Programmcode" in str(pickle["message"]) and pickle["level"] == "warning"
    assert [path for path in running.models_dir.rglob("*") if path.is_file()] == []


def test_every_model_like_file_not_taken_is_listed_with_its_reason(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "original")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    stick = tmp_path / "stick"
    # Small pickles too: an embedding .pt is a few KB and runs code all the same when loaded.
    write_pickle_checkpoint(stick / "old-model.ckpt", size=64 * 1024)
    write_pickle_checkpoint(stick / "embeddings" / "style.pt", size=4 * 1024)
    (stick / "someone-elses.safetensors").write_bytes(safetensors_bytes(b"z" * 4096))
    (stick / "readme.txt").write_text("not a model file at all")
    running = start_model_api(catalog)
    with running.client("en") as client:
        result = job_result(run_job(client, "/api/models/import", {"folder": str(stick)}))
    with running.client("de") as client:
        german = job_result(run_job(client, "/api/models/import", {"folder": str(stick)}))

    skipped = {item["file"]: item for item in result["skipped"]}
    assert set(skipped) == {"old-model.ckpt", "embeddings/style.pt", "someone-elses.safetensors"}
    for name in ("old-model.ckpt", "embeddings/style.pt"):
        assert skipped[name]["outcome"] == "refused" and skipped[name]["code"] == "model_file_pickle"
        assert name in skipped[name]["message"] and "run any program code" in skipped[name]["message"]
    unknown = skipped["someone-elses.safetensors"]
    assert unknown["outcome"] == "unknown" and unknown["code"] == "model_import_unknown_file"
    assert "not one of the models this app uses" in unknown["message"]
    # The same list in the reader's language.
    assert {item["file"] for item in german["skipped"]} == set(skipped)
    assert all(
        "übernommen" in item["message"] or "ausgelassen" in item["message"] for item in german["skipped"]
    )
    assert result["imported"] == 0
    assert [path for path in running.models_dir.rglob("*") if path.is_file()] == []


def test_not_enough_disk_space_is_reported_before_anything_is_copied(
    tmp_path: Path, shm_dir: Path, tiny: TinyModels, start_model_app: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "original")
    huge = 200 * 1000**3  # far more than the tmpfs holds
    stick = tmp_path / "stick"
    write_sparse_safetensors(stick / "huge-model.safetensors", huge)
    tiny.checkpoint.write(stick)
    catalog = write_model_catalog(
        tmp_path / "catalog",
        tiny,
        extra_entries=[
            manifest_entry(
                tiny.checkpoint, id="huge", filename="huge-model.safetensors", size=huge, sha256="0" * 64
            )
        ],
    )
    running = start_model_app(catalog, folder=shm_dir / "app")  # the app's data on the small disk
    with running.client() as client:
        response = client.post("/api/models/import", json={"folder": str(stick)})
        events = read_events(client, response.json()["job_id"])
        states = [event.data["state"] for event in events if event.type == "state"]
        assert states[-1] == "failed"
        error = next(event.data for event in events if event.type == "error")
        assert error["code"] == "model_import_not_enough_space"
        assert "200.0 GB" in str(error["message"]) and "Nothing was copied" in str(error["message"])
    assert [path for path in (running.models_dir).rglob("*") if path.is_file()] == []


def test_cancelled_import_leaves_nothing_behind(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "original")
    size = 12 * 1000**3  # sparse: hashing it takes seconds, its disk use is nil
    stick = tmp_path / "stick"
    write_sparse_safetensors(stick / "big.safetensors", size)
    catalog = write_model_catalog(
        tmp_path / "catalog",
        tiny,
        extra_entries=[
            manifest_entry(tiny.checkpoint, id="big", filename="big.safetensors", size=size, sha256="1" * 64)
        ],
    )
    running = start_model_api(catalog)
    with running.client() as client:
        job_id = client.post("/api/models/import", json={"folder": str(stick)}).json()["job_id"]
        first = events_until(
            client, job_id, lambda event: event.type == "model_progress" and event.data["phase"] == "verify"
        )
        assert int(str(first.data["done"])) < size
        assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 202
        events = read_events(client, job_id)
        assert [event.data["state"] for event in events if event.type == "state"][-1] == "cancelled"
        assert files_by_id(client)["big"]["state"] == "missing"
    assert [path for path in running.models_dir.rglob("*") if path.is_file()] == []
    assert (stick / "big.safetensors").stat().st_size == size  # the source is untouched


def test_folder_problems_are_refused_at_once(
    tmp_path: Path, tiny: TinyModels, start_model_api: StartModelApp
) -> None:
    tiny.write_all(tmp_path / "original")
    running = start_model_api(write_model_catalog(tmp_path / "catalog", tiny))
    with running.client() as client:
        for folder, code in (
            ("models", "model_import_folder_not_absolute"),
            (str(tmp_path / "nowhere"), "model_import_folder_missing"),
            (str(running.models_dir), "model_import_from_models_folder"),
            (str(running.models_dir / "checkpoints"), "model_import_from_models_folder"),
        ):
            response = client.post("/api/models/import", json={"folder": folder})
            assert response.status_code == 400, folder
            assert response.json()["error"]["code"] == code
        assert client.post("/api/models/import", json={"folder": "/x", "extra": 1}).status_code == 400
