"""Each page opens at its top, and the gallery's disabled buttons look disabled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.run_folders import RunSpec, day, write_run
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    folder = Path(tmp_path_factory.mktemp("top")) / "app"
    mark_set_up(folder)
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    for index in range(30):
        write_run(store, RunSpec(f"Bild {index}", day(index // 10, 8 + index % 10)))
    store.close()
    with start_app(folder) as running:
        yield running


def test_each_page_opens_at_its_top(app: AppProcess, page_pool: PagePool) -> None:
    with page_pool.page(width=1366, height=768, locale="de-DE") as page:
        page.goto(app.launch_url)
        page.get_by_test_id("nav-gallery").click()
        expect(page.get_by_test_id("gallery-card")).to_have_count(24)
        page.mouse.wheel(0, 3000)
        page.wait_for_function("window.scrollY > 500")
        page.set_viewport_size({"width": 1366, "height": 400})  # the next page is longer than the window
        page.wait_for_function("window.scrollY > 500")
        page.get_by_test_id("nav-settings").click()
        expect(page.get_by_test_id("nav-settings")).to_have_attribute("aria-current", "page")
        # Long enough to keep an old scroll position (the panels load one by one, slower under load).
        page.wait_for_function(
            "document.documentElement.scrollHeight > window.innerHeight + 300", timeout=60_000
        )
        page.wait_for_function("window.scrollY === 0")
        page.set_viewport_size({"width": 1366, "height": 768})

        # Disabled buttons look disabled: not the colours of a button that can be pressed.
        page.get_by_test_id("nav-gallery").click()
        previous = page.get_by_test_id("page-prev")
        expect(previous).to_be_disabled()
        enabled = page.get_by_test_id("page-next")
        expect(enabled).to_be_enabled()
        style = "el => getComputedStyle(el).color + '|' + getComputedStyle(el).cursor"
        assert previous.evaluate(style) != enabled.evaluate(style)
        assert previous.evaluate("el => getComputedStyle(el).cursor") == "not-allowed"
