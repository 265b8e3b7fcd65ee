from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import PageWatch, watched_page
from tests.support.browser import PagePool

# Every `expect` waits for the state it checks and passes the moment it is there; this is only how long
# it may take at most. Playwright's 5 s is too short for a 2-core machine that is busy with other
# tests (a plan that runs the GPU tools, a first render after a process start): a suite run beside a
# busy loop failed there. Tests that know a step takes longer still say so themselves.
EXPECT_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture
def small_page(page_pool: PagePool) -> Iterator[PageWatch]:
    """A German page in the smallest window the workshop is made for (960x640)."""
    with watched_page(page_pool, 960, 640, "de-DE") as watch:
        yield watch
