"""The gallery's API, in-process (tests/support/in_process.py): runs written as the app writes them,
listed, filtered, paged, shown, deleted and exported (zip with media, HTML pages and records, no
secrets). Nothing here needs a process; the runs API at the socket stays real in test_bad_input.py and
test_api_answers.py, the gallery page in tests/browser/test_gallery.py."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server.runs.store import RunStore
from server.settings.paths import AppPaths
from server.settings.secrets import SecretsStore
from tests.support import loopback_http
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.job_events import read_events
from tests.support.run_folders import RunSpec, day, write_run

pytestmark = pytest.mark.in_process

SECRET_KEY = "sk-test-a1b2c3d4e5f6g7h8i9j0-never-exported"
EVIL_IDEA = '<script>alert("idea")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def gallery_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessApp, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("gallery") / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    SecretsStore(paths.secrets_file).set("openai", SECRET_KEY)
    store = RunStore(paths.runs_dir)
    runs = {
        "oldest": write_run(store, RunSpec("Ein Fest im Regen", day(0))).id,
        "bauhaus": write_run(store, RunSpec("Ein Stuhl", day(1), attitude="bauhaus")).id,
        "audio": write_run(store, RunSpec("Ein Lied", day(2), medium="audio")).id,
        "telephone": write_run(
            store,
            RunSpec(
                "Stille Post",
                day(3),
                attitude="telephone",
                rounds=[("fr", "Poste silencieuse"), ("de", "Leise Post")],
            ),
        ).id,
        "evil": write_run(store, RunSpec(EVIL_IDEA, day(4), interception="<b>bold</b>")).id,
    }
    store.close()
    with in_process_app(folder) as app:
        yield app, runs


def _get(app: InProcessApp, path: str, **params: Any) -> Any:
    with app.client() as client:
        response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_listing_filters_and_pages(gallery_app: tuple[InProcessApp, dict[str, str]]) -> None:
    app, runs = gallery_app
    page = _get(app, "/api/runs")
    assert page["total"] == len(runs)
    assert [run["id"] for run in page["runs"]] == [
        runs["evil"],
        runs["telephone"],
        runs["audio"],
        runs["bauhaus"],
        runs["oldest"],
    ]
    assert page["runs"][0]["cover"]["name"] == "g1.png"

    first = _get(app, "/api/runs", limit=2)
    second = _get(app, "/api/runs", limit=2, offset=2)
    assert [r["id"] for r in first["runs"] + second["runs"]] == [r["id"] for r in page["runs"][:4]]

    dated = _get(app, "/api/runs", since=day(1).isoformat(), until=day(3).isoformat())
    assert [run["id"] for run in dated["runs"]] == [runs["audio"], runs["bauhaus"]]
    assert [r["id"] for r in _get(app, "/api/runs", attitude="bauhaus")["runs"]] == [runs["bauhaus"]]
    assert [r["id"] for r in _get(app, "/api/runs", medium="audio")["runs"]] == [runs["audio"]]

    facets = _get(app, "/api/runs/facets")
    assert facets["attitudes"] == {"dada": 3, "bauhaus": 1, "telephone": 1}
    assert facets["media"] == {"image": 4, "audio": 1}

    with app.client("de") as client:
        bad = client.get("/api/runs", params={"limit": "5000"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "query_invalid_field"
    assert "limit" in bad.json()["error"]["message"]


def test_detail_holds_every_step(gallery_app: tuple[InProcessApp, dict[str, str]]) -> None:
    app, runs = gallery_app
    detail = _get(app, f"/api/runs/{runs['telephone']}/detail")
    record = detail["record"]
    assert record["idea"] == "Stille Post"
    assert [r["text"] for r in record["interception"]["rounds"]] == ["Poste silencieuse", "Leise Post"]
    generation = record["generations"][0]
    assert generation["seed"] == 1234
    assert generation["translation"]["english"] == "a festival with dancing rain"
    assert generation["negative_prompt"] == "blurry"
    with app.client() as client:
        media = client.get(f"/api/runs/{runs['telephone']}/media/{generation['media'][0]['name']}")
    assert media.status_code == 200 and media.headers["content-type"] == "image/png"


def _export(app: InProcessApp, body: dict[str, Any]) -> zipfile.ZipFile:
    with app.client() as client:
        started = client.post("/api/runs/exports", json=body)
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        events = read_events(client, job_id)
        states = [event.data["state"] for event in events if event.type == "state"]
        assert states[-1] == "succeeded", events
        progress = [event.data["value"] for event in events if event.type == "progress"]
        assert progress == list(range(1, len(progress) + 1)) and progress
        result = [event.data for event in events if event.type == "state"][-1]["result"]
        download = client.get(result["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(download.content))


def test_export_of_selected_runs(gallery_app: tuple[InProcessApp, dict[str, str]]) -> None:
    app, runs = gallery_app
    archive = _export(app, {"run_ids": [runs["evil"], runs["telephone"]]})
    names = set(archive.namelist())
    for run_id in (runs["evil"], runs["telephone"]):
        assert {f"runs/{run_id}/run.json", f"runs/{run_id}/index.html", f"runs/{run_id}/g1.png"} <= names
    assert "index.html" in names
    assert not any(runs["oldest"] in name for name in names)

    record = json.loads(archive.read(f"runs/{runs['evil']}/run.json"))
    assert record["idea"] == EVIL_IDEA
    page = archive.read(f"runs/{runs['evil']}/index.html").decode("utf-8")
    assert "<script" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
    assert (
        "&lt;script&gt;alert(&#34;idea&#34;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in page
    )
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert 'src="g1.png"' in page
    overview = archive.read("index.html").decode("utf-8")
    assert "<script" not in overview and f'href="runs/{runs["evil"]}/index.html"' in overview
    telephone = archive.read(f"runs/{runs['telephone']}/index.html").decode("utf-8")
    assert "Poste silencieuse" in telephone and "Leise Post" in telephone

    # No secret anywhere in the archive.
    for name in archive.namelist():
        assert SECRET_KEY.encode() not in archive.read(name), name


def test_export_of_a_date_range_and_of_nothing(gallery_app: tuple[InProcessApp, dict[str, str]]) -> None:
    app, runs = gallery_app
    archive = _export(app, {"filter": {"since": day(1).isoformat(), "until": day(3).isoformat()}})
    folders = {name.split("/")[1] for name in archive.namelist() if name.startswith("runs/")}
    assert folders == {runs["audio"], runs["bauhaus"]}
    assert f"runs/{runs['audio']}/g1.wav" in archive.namelist()

    with app.client("de") as client:
        empty = client.post("/api/runs/exports", json={"filter": {"attitude": "nobody"}})
        assert empty.status_code == 400
        assert empty.json()["error"]["code"] == "export_nothing_selected"
        missing = client.get("/api/runs/exports/" + "0" * 32)
        assert missing.status_code == 404
        traversal = client.get("/api/runs/exports/..%2F..%2Fconfig%2Fsecrets.json")
        assert traversal.status_code == 404


def test_delete(gallery_app: tuple[InProcessApp, dict[str, str]]) -> None:
    app, runs = gallery_app
    with app.client() as client:
        deleted = client.delete(f"/api/runs/{runs['oldest']}")
        assert deleted.status_code == 200
        assert client.get(f"/api/runs/{runs['oldest']}").status_code == 404
        assert client.delete(f"/api/runs/{runs['oldest']}").status_code == 404
        listed = client.get("/api/runs").json()
    assert runs["oldest"] not in [run["id"] for run in listed["runs"]]
    assert not (AppPaths.in_folder(app.data_dir).runs_dir / runs["oldest"]).exists()


def test_without_the_token_nothing(gallery_app: tuple[InProcessApp, dict[str, str]]) -> None:
    app, runs = gallery_app
    with loopback_http.client(
        transport=httpx.WSGITransport(app=app.flask_app), base_url=app.base_url
    ) as stranger:
        assert stranger.get("/api/runs").status_code == 401
        assert stranger.delete(f"/api/runs/{runs['bauhaus']}").status_code == 401
