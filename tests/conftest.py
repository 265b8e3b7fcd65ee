from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool, chromium
from tests.support.in_process import InProcessApp, in_process_app

# Fixtures that give a test the app in its own process (tests/support/in_process.py).
IN_PROCESS_FIXTURES = {"api", "app_with_llm", "app_with_comfyui", "start_model_api", "cloud_api"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The layer shows in the marker, so `pytest -m in_process` (or `-m "not in_process"`) picks it.
    for item in items:
        if IN_PROCESS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.in_process)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppProcess]:
    """The real app, headless, with its own data folder."""
    with start_app(tmp_path / "app") as running:
        yield running


@pytest.fixture
def api(tmp_path: Path) -> Iterator[InProcessApp]:
    """The app's services and Flask app in this process, with their own data folder (no child process)."""
    with in_process_app(tmp_path / "app") as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="session")
def page_pool(browser: Browser) -> Iterator[PagePool]:
    """Clean pages in warm browser contexts (see PagePool); a test with context settings of its own
    opens its context with ``new_context(browser, ...)``."""
    pool = PagePool(browser)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def llm_server() -> Iterator[TestServerProcess]:
    """The OpenAI-compatible test server (a real child process); the model name picks its behaviour."""
    with TestServerProcess() as server:
        yield server
