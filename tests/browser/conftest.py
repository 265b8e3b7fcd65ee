from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser.page_watch import CSP_LISTENER, PageWatch


@pytest.fixture
def small_page(browser: Browser) -> Iterator[PageWatch]:
    """A German page in the smallest window the workshop is made for (960x640)."""
    context = browser.new_context(viewport={"width": 960, "height": 640}, locale="de-DE")
    context.add_init_script(CSP_LISTENER)
    try:
        yield PageWatch(context.new_page())
    finally:
        context.close()
