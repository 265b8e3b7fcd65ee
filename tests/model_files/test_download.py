"""Downloads through the running app from a local HTTPS server: resume after a break, checks, refusals.

A broken connection and a cancel go through the real process; the other answers come from the app's
services in the test process, which then trusts the server's certificate as the real app is told to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.model_files.catalog import TinyModels, manifest_entry, write_model_catalog
from tests.model_files.conftest import (
    ModelApp,
    StartModelApp,
    events_until,
    files_by_id,
    job_result,
    leftovers,
    notice_codes,
    run_job,
)
from tests.model_files.model_files import safetensors_bytes, write_safetensors
from tests.model_files.range_server import Knobs, RangeServer, make_certificate
from tests.support.job_events import read_events

ONLINE = {"offline": False}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RangeServer]:
    files = tmp_path / "served"
    files.mkdir()
    cert, key = make_certificate(tmp_path)
    running = RangeServer(files, cert, key).start()
    yield running
    running.stop()


def _catalog(
    tmp_path: Path, tiny: TinyModels, server: RangeServer, extra_entries: list[dict[str, Any]] | None = None
) -> Path:
    tiny.write_all(server.folder)
    return write_model_catalog(tmp_path / "catalog", tiny, extra_entries, url=server.base_url)


def _app(
    tmp_path: Path,
    tiny: TinyModels,
    server: RangeServer,
    start: StartModelApp,
    extra_entries: list[dict[str, Any]] | None = None,
) -> ModelApp:
    catalog = _catalog(tmp_path, tiny, server, extra_entries)
    return start(catalog, settings=ONLINE, env={"SSL_CERT_FILE": str(server.certificate)})


def _api(
    tmp_path: Path,
    tiny: TinyModels,
    server: RangeServer,
    start: StartModelApp,
    monkeypatch: pytest.MonkeyPatch,
) -> ModelApp:
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))
    return start(_catalog(tmp_path, tiny, server), settings=ONLINE)


def test_download_resumes_after_the_connection_breaks(
    tmp_path: Path, tiny: TinyModels, server: RangeServer, start_model_app: StartModelApp
) -> None:
    running = _app(tmp_path, tiny, server, start_model_app)
    server.knobs[tiny.checkpoint.filename] = Knobs(drop_after_bytes=1500, drop_times=2)
    with running.client() as client:
        events = run_job(
            client, "/api/models/download", {"model_ids": ["tiny_ckpt", "tiny_te"], "licence_accepted": True}
        )
        result = job_result(events)
        assert result["downloaded"] == ["tiny_ckpt", "tiny_te"]
        assert notice_codes(events).count("model_downloaded") == 2
        assert files_by_id(client)["tiny_ckpt"]["checksum"] == "verified"
    # First request from 0, broken at 1500 bytes; then it continued where it stopped, twice.
    assert server.ranges(tiny.checkpoint.filename) == [None, "bytes=1500-", "bytes=3000-"]
    placed = running.models_dir / "checkpoints" / tiny.checkpoint.filename
    assert placed.read_bytes() == (server.folder / tiny.checkpoint.filename).read_bytes()
    assert leftovers(running.models_dir) == []


def test_download_continues_a_part_file_left_by_an_earlier_attempt(
    tmp_path: Path,
    tiny: TinyModels,
    server: RangeServer,
    start_model_api: StartModelApp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running = _api(tmp_path, tiny, server, start_model_api, monkeypatch)
    whole = (server.folder / tiny.text_encoder.filename).read_bytes()
    part = running.models_dir / "text_encoders" / (tiny.text_encoder.filename + ".part")
    part.write_bytes(whole[:1000])
    with running.client() as client:
        assert files_by_id(client)["tiny_te"]["partial_download"] == 1000
        job_result(
            run_job(client, "/api/models/download", {"model_ids": ["tiny_te"], "licence_accepted": True})
        )
    assert server.ranges(tiny.text_encoder.filename) == ["bytes=1000-"]
    assert (running.models_dir / "text_encoders" / tiny.text_encoder.filename).read_bytes() == whole
    assert not part.exists()


def test_a_wrong_download_is_caught_by_sha256_and_removed(
    tmp_path: Path,
    tiny: TinyModels,
    server: RangeServer,
    start_model_api: StartModelApp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running = _api(tmp_path, tiny, server, start_model_api, monkeypatch)
    # The server now has another file of the same size under that name.
    other = bytearray(safetensors_bytes(tiny.checkpoint.payload))
    other[-1] ^= 0xFF
    (server.folder / tiny.checkpoint.filename).write_bytes(bytes(other))
    with running.client() as client:
        response = client.post(
            "/api/models/download", json={"model_ids": ["tiny_ckpt"], "licence_accepted": True}
        )
        events = read_events(client, response.json()["job_id"])
        assert [e.data["state"] for e in events if e.type == "state"][-1] == "failed"
        error = next(e.data for e in events if e.type == "error")
        assert error["code"] == "model_download_checksum_mismatch"
        assert "wrong checksum" in str(error["message"])
        assert files_by_id(client)["tiny_ckpt"]["state"] == "missing"
    assert [p for p in running.models_dir.rglob("*") if p.is_file()] == []


def test_a_cancelled_download_leaves_nothing(
    tmp_path: Path, tiny: TinyModels, server: RangeServer, start_model_app: StartModelApp
) -> None:
    slow = tmp_path / "slow-source"
    digest = write_safetensors(slow / "slow.safetensors", b"s" * 400_000)
    size = (slow / "slow.safetensors").stat().st_size
    (server.folder / "slow.safetensors").write_bytes((slow / "slow.safetensors").read_bytes())
    server.knobs["slow.safetensors"] = Knobs(chunk_delay_s=0.01)
    extra = manifest_entry(
        tiny.checkpoint,
        id="slow",
        filename="slow.safetensors",
        size=size,
        sha256=digest,
        url=f"{server.base_url}/slow.safetensors",
    )
    running = _app(tmp_path, tiny, server, start_model_app, extra_entries=[extra])
    with running.client() as client:
        job_id = client.post(
            "/api/models/download", json={"model_ids": ["slow"], "licence_accepted": True}
        ).json()["job_id"]
        events_until(client, job_id, lambda e: e.type == "model_progress" and e.data["phase"] == "download")
        client.post(f"/api/jobs/{job_id}/cancel")
        events = read_events(client, job_id)
        assert [e.data["state"] for e in events if e.type == "state"][-1] == "cancelled"
    assert [p for p in running.models_dir.rglob("*") if p.is_file()] == []


def test_downloads_are_refused_offline_and_without_the_licence(
    tmp_path: Path, tiny: TinyModels, server: RangeServer, start_model_api: StartModelApp
) -> None:
    tiny.write_all(server.folder)
    catalog = write_model_catalog(tmp_path / "catalog", tiny, url=server.base_url)
    offline = start_model_api(catalog)  # a new install is offline
    with offline.client("de") as client:
        response = client.post(
            "/api/models/download", json={"model_ids": ["tiny_ckpt"], "licence_accepted": True}
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "model_download_offline"
        assert "Offline-Modus" in response.json()["error"]["message"]
        assert client.get("/api/models").json()["offline"] is True
    online = start_model_api(catalog, settings=ONLINE)
    with online.client() as client:
        response = client.post("/api/models/download", json={"model_ids": ["tiny_ckpt"]})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "model_download_licence_not_accepted"
        response = client.post("/api/models/download", json={"model_ids": ["nope"], "licence_accepted": True})
        assert response.status_code == 404
    assert server.requests == []
