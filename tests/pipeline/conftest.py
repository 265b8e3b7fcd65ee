from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import AppProcess, start_app
from tests.support.settings_files import write_settings


@pytest.fixture
def app_with_llm(tmp_path: Path, llm_server: TestServerProcess) -> Iterator[Callable[..., AppProcess]]:
    """Starts the real app with every LLM stage pointed at the OpenAI-compatible test server."""
    started: list[AppProcess] = []

    def start(**settings: Any) -> AppProcess:
        data_dir = tmp_path / f"app{len(started)}"
        write_settings(data_dir, base_url=llm_server.base_url, **settings)
        app = start_app(data_dir)
        started.append(app)
        return app

    llm_server.reset()
    yield start
    for app in started:
        app.stop()
