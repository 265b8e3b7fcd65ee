from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser.page_watch import PageWatch, watched_page


@pytest.fixture
def small_page(browser: Browser) -> Iterator[PageWatch]:
    """A German page in the smallest window the workshop is made for (960x640)."""
    with watched_page(browser, 960, 640, "de-DE") as watch:
        yield watch
