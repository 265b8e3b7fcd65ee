"""A run whose record (run.json) is damaged, in-process: listed as damaged with what its folder shows,
named in a notice, answered with 'damaged' (never 500), deletable. Ids that name no run are answered
at once. The damaged card through the real app is tests/browser/test_damaged_run.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.run_folders import RunSpec, day, write_run

pytestmark = pytest.mark.in_process


@pytest.fixture
def app_with_damaged_run(tmp_path: Path) -> Iterator[tuple[InProcessApp, str, str]]:
    folder = tmp_path / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    good = write_run(store, RunSpec("Ein Fest im Regen", day(0))).id
    damaged = write_run(store, RunSpec("Ein Stuhl", day(1), attitude="bauhaus")).id
    store.close()
    record = paths.runs_dir / damaged / "run.json"
    # Cut off mid-file, as a full disk or a yanked USB stick leaves it.
    record.write_bytes(record.read_bytes()[:40])
    with in_process_app(folder) as app:
        yield app, good, damaged


def test_a_damaged_run_is_listed_named_answered_and_deleted(
    app_with_damaged_run: tuple[InProcessApp, str, str],
) -> None:
    app, good, damaged = app_with_damaged_run
    with app.client("de") as client:
        listing = client.get("/api/runs").json()
        by_id = {run["id"]: run for run in listing["runs"]}
        assert set(by_id) == {good, damaged}
        assert by_id[damaged]["damaged"] is True
        assert by_id[good]["damaged"] is False
        assert by_id[damaged]["files"] == ["g1.png"]
        assert by_id[damaged]["created_at"].startswith(f"{damaged[:4]}-{damaged[4:6]}-{damaged[6:8]}")

        for path in (f"/api/runs/{damaged}", f"/api/runs/{damaged}/detail"):
            response = client.get(path)
            assert response.status_code == 409, response.text
            error = response.json()["error"]
            assert error["code"] == "run_damaged"
            assert "beschädigt" in error["message"]

        notices = client.get("/api/system/info").json()["notices"]
        named = [notice for notice in notices if notice["code"] == "run_damaged_notice"]
        assert len(named) == 1 and damaged in named[0]["message"], notices

        response = client.delete(f"/api/runs/{damaged}")
        assert response.status_code == 200, response.text
        assert not (AppPaths.in_folder(app.data_dir).runs_dir / damaged).exists()
        assert [run["id"] for run in client.get("/api/runs").json()["runs"]] == [good]
        assert client.get(f"/api/runs/{good}").status_code == 200


def test_ids_that_name_no_run_answer_not_found(
    app_with_damaged_run: tuple[InProcessApp, str, str],
) -> None:
    app, _, _ = app_with_damaged_run
    with app.client() as client:
        for run_id in ("20260101-000000-abcdef", "not-a-run", "..%2F..%2Fetc"):
            for path in (f"/api/runs/{run_id}", f"/api/runs/{run_id}/detail"):
                response = client.get(path)
                assert response.status_code == 404, (path, response.text)
        assert client.delete("/api/runs/20260101-000000-abcdef").status_code == 404
