"""Bad input against the real app: every kind is answered with a 4xx and a plain message in the
reader's language (``{"error": {"code", "message"}}``), never with a 500 from deep inside a route.

Deeply nested JSON, a body over the size limit, an offset beyond SQLite's integers, path parts longer
than a file name, seeds outside ComfyUI's range and an export of runs that do not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.support.app_process import AppProcess, start_app
from tests.support.run_folders import RunSpec, day, write_run

UNKNOWN_RUN = "20200101-000000-abcdef"
LONG = "a" * 300
MODEL_ID = "sd35_large_fp8_scaled"  # from configs/models.json
JSON = {"Content-Type": "application/json"}
# One body of each JSON endpoint that is valid apart from what a test breaks.
JSON_ENDPOINTS = [
    ("POST", "/api/runs/exports"),
    ("POST", "/api/interception"),
    ("POST", "/api/generation"),
    ("POST", "/api/llm/test"),
    ("POST", "/api/models/folders"),
    ("PUT", "/api/settings/offline"),
]


@pytest.fixture(scope="module")
def bad_input_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppProcess, str]]:
    folder = tmp_path_factory.mktemp("bad-input") / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    run_id = write_run(store, RunSpec("Ein Fest im Regen", day(0))).id
    store.close()
    with start_app(folder) as app:
        yield app, run_id


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    message: str = error["message"]
    assert message and code not in message and "Traceback" not in message
    return message


def _log_size(app: AppProcess) -> int:
    return len(app.output())


def _no_server_error(app: AppProcess, since: int) -> None:
    """Nothing that reached the 500 safety net since ``since`` (the app is shared by the tests)."""
    assert "unexpected error" not in app.output()[since:]


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
def test_deeply_nested_json_is_a_400(bad_input_app: tuple[AppProcess, str], method: str, path: str) -> None:
    app, _ = bad_input_app
    since = _log_size(app)
    deep = b"[" * 100_000 + b"]" * 100_000
    # Within Python's recursion limit, but deeper than any body the app takes.
    nested = b'{"run_ids": ' + b"[" * 200 + b"]" * 200 + b"}"
    with app.client() as client:
        message = _error(client.request(method, path, content=deep, headers=JSON), 400, "body_too_deep")
        assert "64" in message
        _error(client.request(method, path, content=nested, headers=JSON), 400, "body_too_deep")
        _error(client.request(method, path, content=b"[1, 2", headers=JSON), 400, "body_not_json")
    with app.client("de") as client:
        message = _error(client.request(method, path, content=deep, headers=JSON), 400, "body_too_deep")
        assert "verschachtelt" in message
    _no_server_error(app, since)


def test_a_body_over_the_size_limit_is_a_413_naming_the_limit(bad_input_app: tuple[AppProcess, str]) -> None:
    app, _ = bad_input_app
    body = b'{"run_ids": ["' + b"a" * (17 * 1024 * 1024) + b'"]}'
    with app.client() as client:
        response = client.post("/api/runs/exports", content=body, headers=JSON)
    message = _error(response, 413, "request_too_large")
    assert "16 MB" in message


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"offset": str(2**63)}, "offset"),
        ({"offset": str(2**64 + 5)}, "offset"),
        ({"offset": "1000000001"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "9" * 5000}, "offset"),
        ({"offset": "zwei"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": str(2**63)}, "limit"),
    ],
)
def test_paging_values_out_of_range_are_a_400(
    bad_input_app: tuple[AppProcess, str], params: dict[str, str], field: str
) -> None:
    app, _ = bad_input_app
    since = _log_size(app)
    with app.client() as client:
        message = _error(client.get("/api/runs", params=params), 400, "query_invalid_field")
        assert field in message
        # The largest allowed values still answer (an empty page).
        page = client.get("/api/runs", params={"offset": "1000000000", "limit": "100"})
    assert page.status_code == 200 and page.json()["runs"] == []
    _no_server_error(app, since)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        # The UI's static route: ENAMETOOLONG from Path.is_file() (a 500 before).
        ("GET", f"/{LONG}", None),
        ("GET", f"/{LONG}/{LONG}", None),
        ("GET", f"/assets/{LONG}.js", None),
        ("GET", "/%00", None),
        # /api ids: no route needs to look at such a part.
        ("GET", f"/api/runs/{LONG}", None),
        ("GET", f"/api/runs/{LONG}/detail", None),
        ("DELETE", f"/api/runs/{LONG}", None),
        ("GET", f"/api/runs/{UNKNOWN_RUN}/media/{LONG}.png", None),
        ("GET", f"/api/media/image/{LONG}", None),
        ("GET", f"/api/runs/exports/{LONG}", None),
        ("GET", f"/api/jobs/{LONG}", None),
        ("GET", f"/api/jobs/{LONG}/preview", None),
        ("POST", f"/api/jobs/{LONG}/cancel", None),
        ("DELETE", f"/api/models/files/{LONG}", None),
        ("PATCH", f"/api/models/folders/{LONG}", {"enabled": True}),
        ("DELETE", f"/api/models/folders/{LONG}", None),
        ("PUT", f"/api/keys/{LONG}", {"key": "sk-test"}),
        ("DELETE", f"/api/keys/{LONG}", None),
        ("GET", f"/api/llm/providers/{LONG}/models", None),
        ("GET", "/api/runs/%00", None),
    ],
)
def test_url_path_parts_no_name_can_have_are_a_400(
    bad_input_app: tuple[AppProcess, str], method: str, path: str, body: dict[str, Any] | None
) -> None:
    app, _ = bad_input_app
    since = _log_size(app)
    with app.client() as client:
        response = client.request(method, path, json=body)
    if "%00" in path:
        _error(response, 400, "path_part_invalid")
    else:
        assert "255" in _error(response, 400, "path_part_too_long")
    _no_server_error(app, since)


@pytest.mark.parametrize(
    ("method", "path", "body", "params"),
    [
        ("GET", "/api/models/browse", None, {"path": f"/tmp/{LONG}"}),
        ("POST", "/api/models/folders", {"path": f"/tmp/{LONG}/models"}, None),
        ("POST", "/api/models/import", {"folder": f"/tmp/{LONG}"}, None),
        ("POST", "/api/models/bundle", {"folder": f"/tmp/{LONG}", "model_ids": [MODEL_ID]}, None),
        ("POST", "/api/models/import", {"folder": f"C:\\Users\\{LONG}"}, None),
        ("PUT", "/api/settings/comfyui", {"mode": "managed", "directory": f"/tmp/{LONG}"}, None),
        ("PUT", "/api/settings/comfyui", {"mode": "managed", "directory": "/", "python": f"/{LONG}"}, None),
    ],
)
def test_folder_names_longer_than_a_file_system_allows_are_a_400(
    bad_input_app: tuple[AppProcess, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    params: dict[str, str] | None,
) -> None:
    """Folders typed into the models and ComfyUI settings: ENAMETOOLONG from is_dir() was a 500 before."""
    app, _ = bad_input_app
    since = _log_size(app)
    with app.client() as client:
        response = client.request(method, path, json=body, params=params)
    assert "255" in _error(response, 400, "input_folder_name_too_long")
    with app.client("de") as client:
        response = client.request(method, path, json=body, params=params)
    assert "Ordnername" in _error(response, 400, "input_folder_name_too_long")
    _no_server_error(app, since)


def test_folders_with_control_characters_are_a_400(bad_input_app: tuple[AppProcess, str]) -> None:
    app, _ = bad_input_app
    with app.client() as client:
        added = client.post("/api/models/folders", json={"path": "/tmp/a\u0000b"})
        _error(added, 400, "input_folder_control_character")
        browsed = client.get("/api/models/browse", params={"path": "/tmp/a\nb"})
        _error(browsed, 400, "input_folder_control_character")
        comfyui = client.put("/api/settings/comfyui", json={"mode": "managed", "directory": "/tmp/\u0001"})
        _error(comfyui, 400, "input_folder_control_character")


def test_names_of_a_file_name_length_are_answered_as_usual(bad_input_app: tuple[AppProcess, str]) -> None:
    """Just within the limit, nothing is refused for its length: an unknown id is simply not found."""
    app, _ = bad_input_app
    since = _log_size(app)
    with app.client() as client:
        _error(client.get(f"/api/runs/{'a' * 255}"), 404, "run_not_found")
        # The UI's own route: its page (503 with a plain text while web/dist is not built).
        assert client.get(f"/{'a' * 255}").status_code in (200, 503)
        missing = client.get("/api/models/browse", params={"path": f"/tmp/{'a' * 255}"})
        _error(missing, 404, "model_browse_missing")
    _no_server_error(app, since)


def _generation(run_id: str, seed: Any) -> dict[str, Any]:
    return {"run_id": run_id, "text": "a festival with rain", "output_id": "selftest_image", "seed": seed}


@pytest.mark.parametrize("seed", [-1, 2**64, 2**70, True, 1.5, "42", "zufall"])
def test_seeds_outside_comfyuis_range_are_a_400(bad_input_app: tuple[AppProcess, str], seed: Any) -> None:
    app, run_id = bad_input_app
    with app.client() as client:
        response = client.post("/api/generation", json=_generation(run_id, seed))
    message = _error(response, 400, "input_seed_out_of_range")
    assert str(2**64 - 1) in message
    with app.client("de") as client:
        response = client.post("/api/generation", json=_generation(run_id, seed))
    german = _error(response, 400, "input_seed_out_of_range")
    assert "ganze Zahl" in german


@pytest.mark.parametrize("seed", [0, 2**53, 2**64 - 1, "random", None])
def test_seeds_within_comfyuis_range_pass_the_check(bad_input_app: tuple[AppProcess, str], seed: Any) -> None:
    app, _ = bad_input_app
    with app.client() as client:
        # An unknown run: the body passes validation, and the run is what is missing.
        response = client.post("/api/generation", json=_generation(UNKNOWN_RUN, seed))
    _error(response, 404, "run_not_found")


def test_an_export_of_unknown_runs_names_how_many(bad_input_app: tuple[AppProcess, str]) -> None:
    app, run_id = bad_input_app
    with app.client() as client:
        only_unknown = client.post("/api/runs/exports", json={"run_ids": [UNKNOWN_RUN]})
        message = _error(only_unknown, 404, "export_runs_unknown")
        assert "1 of the 1" in message and UNKNOWN_RUN in message
        mixed = client.post(
            "/api/runs/exports", json={"run_ids": [run_id, UNKNOWN_RUN, "20200101-000000-fedcba", "../x"]}
        )
        assert "3 of the 4" in _error(mixed, 404, "export_runs_unknown")
        # Only known runs: the export starts.
        assert client.post("/api/runs/exports", json={"run_ids": [run_id]}).status_code == 202
    with app.client("de") as client:
        german = client.post("/api/runs/exports", json={"run_ids": [run_id, UNKNOWN_RUN]})
    assert "1 von 2" in _error(german, 404, "export_runs_unknown")
