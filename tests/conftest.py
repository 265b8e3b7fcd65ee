from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import AppProcess, start_app
from tests.support.browser import chromium


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppProcess]:
    """The real app, headless, with its own data folder."""
    with start_app(tmp_path / "app") as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="session")
def llm_server() -> Iterator[TestServerProcess]:
    """The OpenAI-compatible test server (a real child process); the model name picks its behaviour."""
    with TestServerProcess() as server:
        yield server
