from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.model_files.catalog import TinyModels
from tests.support.app_process import AppProcess, start_app
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.job_events import Event, read_events


@pytest.fixture
def shm_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder on a second file system (/dev/shm, a tmpfs), for the copy path of imports."""
    base = Path("/dev/shm")
    if not base.is_dir() or base.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on a file system of its own")
    folder = Path(tempfile.mkdtemp(prefix="ai4artsed-models-", dir=base))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fake_home(tmp_path: Path) -> Path:
    """The app's home folder: existing ComfyUI/SwarmUI installs are only looked for in here."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def tiny() -> TinyModels:
    return TinyModels()


@dataclass
class ModelApp:
    app: AppProcess | InProcessApp
    catalog: Path

    @property
    def data_dir(self) -> Path:
        return self.app.data_dir / "data"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def client(self, language: str = "en") -> httpx.Client:
        return self.app.client(language)


StartModelApp = Callable[..., ModelApp]


def _write_settings(app_folder: Path, settings: dict[str, Any] | None) -> None:
    if settings is not None:
        config = app_folder / "config" / "settings.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps(settings), encoding="utf-8")


@pytest.fixture
def start_model_api(
    tmp_path: Path, fake_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StartModelApp]:
    """The app in-process (tests/support/in_process.py) on a catalog, for tests that only use its API
    and its folders; ``folder`` puts its data elsewhere (another file system). HOME is the fake home
    in the test process, as ``start_model_app`` gives it to the real app."""
    monkeypatch.setenv("HOME", str(fake_home))
    started: list[InProcessApp] = []
    with ExitStack() as apps:

        def start(
            catalog: Path, *, folder: Path | None = None, settings: dict[str, Any] | None = None
        ) -> ModelApp:
            app_folder = folder or tmp_path / f"app{len(started)}"
            _write_settings(app_folder, settings)
            started.append(apps.enter_context(in_process_app(app_folder, catalog_root=catalog)))
            return ModelApp(started[-1], catalog)

        yield start


@pytest.fixture
def start_model_app(tmp_path: Path, fake_home: Path) -> Iterator[StartModelApp]:
    """Starts the real app on a catalog; ``folder`` puts its data elsewhere (another file system).
    For what needs the process: a full disk, its environment (a certificate), a ComfyUI child."""
    started: list[AppProcess] = []

    def start(
        catalog: Path,
        *,
        folder: Path | None = None,
        settings: dict[str, Any] | None = None,
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> ModelApp:
        app_folder = folder or tmp_path / f"app{len(started)}"
        _write_settings(app_folder, settings)
        app = start_app(
            app_folder,
            catalog_root=catalog,
            extra_args=extra_args,
            env={"HOME": str(fake_home), **(env or {})},
        )
        started.append(app)
        return ModelApp(app, catalog)

    yield start
    for app in started:
        app.stop()


def run_job(client: httpx.Client, path: str, body: dict[str, Any]) -> list[Event]:
    """Starts a job and reads all its events until the end."""
    response = client.post(path, json=body)
    assert response.status_code == 202, response.text
    return read_events(client, response.json()["job_id"])


def events_until(client: httpx.Client, job_id: str, wanted: Callable[[Event], bool]) -> Event:
    """Follows the job's event stream until an event matches (then leaves the stream)."""
    seen = 0
    while True:
        batch = read_events(client, job_id, after=seen, limit=1)
        assert batch, "the job ended before the event came"
        event = batch[0]
        assert event.seq is not None
        seen = event.seq
        if wanted(event):
            return event


def notices(events: list[Event]) -> list[dict[str, Any]]:
    return [dict(event.data) for event in events if event.type == "notice"]


def notice_codes(events: list[Event]) -> list[str]:
    return [str(notice["code"]) for notice in notices(events)]


def job_result(events: list[Event]) -> dict[str, Any]:
    final = [event.data for event in events if event.type == "state"][-1]
    assert final["state"] == "succeeded", events
    result = final["result"]
    assert isinstance(result, dict)
    return result


def files_by_id(client: httpx.Client) -> dict[str, dict[str, Any]]:
    return {file["id"]: file for file in client.get("/api/models").json()["files"]}


def output_reasons(client: httpx.Client, output_id: str) -> list[dict[str, Any]]:
    groups = client.get("/api/catalog/outputs").json()["media_types"]
    for group in groups:
        for item in group["outputs"]:
            if item["id"] == output_id:
                return list(item["reasons"])
    raise AssertionError(f"no output {output_id}")


def leftovers(folder: Path) -> list[Path]:
    """Temporary or partial files anywhere below ``folder``."""
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and (path.name.endswith((".partial", ".part")))
    )
