"""The Models page with two ComfyUI machines, in real Chromium against the real app (issue 18).

The output's files are only on the second machine: the page calls the output ready and says where
("auf 1 von 2 ComfyUI-Maschinen"), as the output catalog does; when that machine goes away it
explains that no ready machine has the files. Needs the built UI: ``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.page_watch import PageWatch, watched_page
from tests.comfyui_pool.machines import TestMachine
from tests.comfyui_pool.test_pool_availability import app, machines, tiny  # noqa: F401 (fixtures)
from tests.support.app_process import REPO_ROOT, AppProcess

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[PageWatch]:
    if not (REPO_ROOT / "web" / "dist" / "index.html").is_file():
        raise RuntimeError("the web UI is not built: run `cd web && npm ci && npm run build` first")
    with watched_page(browser, 1280, 900, "de-DE") as watch:
        yield watch


def test_the_models_page_says_on_how_many_machines_an_output_is_ready(
    page: PageWatch,
    app: AppProcess,  # noqa: F811 (the fixture)
    machines: list[TestMachine],  # noqa: F811 (the fixture)
) -> None:
    tab = page.page
    tab.goto(app.launch_url)
    tab.get_by_test_id("nav-models").click()
    expect(tab.get_by_test_id("models-page")).to_be_visible()
    output = tab.get_by_test_id("models-output-tiny_image")
    # The page reads the overview again as it changes; the machines' first checks take a moment.
    for _ in range(60):
        if output.get_attribute("data-ready") == "true":
            break
        tab.reload()
        tab.wait_for_timeout(1000)
        output = tab.get_by_test_id("models-output-tiny_image")
    expect(output).to_have_attribute("data-ready", "true")
    expect(output.get_by_test_id("models-output-machines")).to_have_text("auf 1 von 2 ComfyUI-Maschinen")

    machines[1].kill()
    for _ in range(60):
        if output.locator("[data-code=output_pool_files_nowhere]").count():
            break
        tab.reload()
        tab.wait_for_timeout(1000)
        output = tab.get_by_test_id("models-output-tiny_image")
    expect(output).to_have_attribute("data-ready", "false")
    expect(output.locator("[data-code=output_pool_files_nowhere]")).to_contain_text("1 von 2")
    page.assert_clean()
