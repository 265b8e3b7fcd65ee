from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

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
