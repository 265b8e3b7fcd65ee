from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.cloud_testserver.process import CloudServerProcess
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import REPO_ROOT, AppProcess, start_app
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.settings_files import write_settings

# Distinct, key-shaped values: the leak test searches for each of them (and for all but their ends).
KEYS = {
    "openai": "sk-proj-CloudTestOpenAI-7f3a9c2e41d84b6a",
    "openrouter": "sk-or-v1-CloudTestRouter-5b8e1d0c93a7f264",
    "mistral": "CloudTestMistral9d4c7b1e02fa3865",
}
StartCloudApp = Callable[..., AppProcess]
StartCloudApi = Callable[..., InProcessApp]


@pytest.fixture(scope="session")
def _cloud_server_process() -> Iterator[CloudServerProcess]:
    with CloudServerProcess(KEYS) as server:
        yield server


@pytest.fixture
def cloud_server(_cloud_server_process: CloudServerProcess) -> CloudServerProcess:
    """The cloud providers' test server (a real child process), its log and behaviours reset."""
    _cloud_server_process.reset()
    return _cloud_server_process


def copy_catalog(target: Path, chunk_changes: dict[str, dict[str, Any]] | None = None) -> Path:
    """The shipped configs/ and chunks/, with some chunk fields changed (e.g. a short timeout)."""
    shutil.copytree(REPO_ROOT / "configs", target / "configs")
    shutil.copytree(REPO_ROOT / "chunks", target / "chunks")
    for chunk_id, changes in (chunk_changes or {}).items():
        path = target / "chunks" / f"{chunk_id}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data.update(changes)
        path.write_text(json.dumps(data), encoding="utf-8")
    return target


@pytest.fixture
def cloud_app(
    tmp_path: Path, llm_server: TestServerProcess, cloud_server: CloudServerProcess
) -> Iterator[StartCloudApp]:
    """Starts the real app with the cloud providers moved to the test server and the local LLM stages
    on the LLM test server. ``offline`` is the setting (a new install's default is True)."""
    started: list[AppProcess] = []

    def start(
        *,
        offline: bool = False,
        catalog_root: Path | None = None,
        env: dict[str, str] | None = None,
        **settings: Any,
    ) -> AppProcess:
        data_dir = tmp_path / f"app{len(started)}"
        write_settings(data_dir, base_url=llm_server.base_url, offline=offline, **settings)
        app = start_app(
            data_dir,
            catalog_root=catalog_root,
            env={"AI4ARTSED_PROVIDER_URLS": cloud_server.provider_urls(), **(env or {})},
        )
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()


@pytest.fixture
def cloud_api(
    tmp_path: Path,
    llm_server: TestServerProcess,
    cloud_server: CloudServerProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[StartCloudApi]:
    """``cloud_app`` in-process (tests/support/in_process.py), for tests that use only the API, the
    app's folders and the test servers: the app reads AI4ARTSED_PROVIDER_URLS from the test process."""
    monkeypatch.setenv("AI4ARTSED_PROVIDER_URLS", cloud_server.provider_urls())
    started: list[InProcessApp] = []
    with ExitStack() as apps:

        def start(
            *, offline: bool = False, catalog_root: Path | None = None, **settings: Any
        ) -> InProcessApp:
            data_dir = tmp_path / f"app{len(started)}"
            write_settings(data_dir, base_url=llm_server.base_url, offline=offline, **settings)
            started.append(apps.enter_context(in_process_app(data_dir, catalog_root=catalog_root)))
            return started[-1]

        yield start
