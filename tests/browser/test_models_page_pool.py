"""The Models page with two ComfyUI machines, in real Chromium against the real app (issue 18).

The output's files are only on the second machine: the page calls the output ready and says where
("auf 1 von 2 ComfyUI-Maschinen"), as the output catalog does; when that machine goes away it
explains that no ready machine has the files. Needs the built UI: ``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import PageWatch, watched_page
from tests.comfyui_pool.machines import TestMachine
from tests.comfyui_pool.test_pool_availability import (  # noqa: F401 (fixtures)
    DEADLINE_S,
    app,
    machines,
    models_page_output,
    tiny,
)
from tests.support.app_process import REPO_ROOT, AppProcess
from tests.support.browser import PagePool

pytestmark = pytest.mark.browser


@pytest.fixture
def page(page_pool: PagePool) -> Iterator[PageWatch]:
    if not (REPO_ROOT / "web" / "dist" / "index.html").is_file():
        raise RuntimeError("the web UI is not built: run `cd web && npm ci && npm run build` first")
    with watched_page(page_pool, 1280, 900, "de-DE") as watch:
        yield watch


def wait_for_the_overview(running: AppProcess, check: Callable[[dict[str, Any]], bool], what: str) -> None:
    """The page reads the overview when it opens; the app's checks of the machines take a moment, so
    wait until the overview the page would read says it (polling the API is cheap, a reload is not)."""
    deadline = time.monotonic() + DEADLINE_S
    with running.client("de") as client:
        while not check(output := models_page_output(client)):
            assert time.monotonic() < deadline, (what, output)
            time.sleep(0.2)


def test_the_models_page_says_on_how_many_machines_an_output_is_ready(
    page: PageWatch,
    app: AppProcess,  # noqa: F811 (the fixture)
    machines: list[TestMachine],  # noqa: F811 (the fixture)
) -> None:
    tab = page.page
    wait_for_the_overview(app, lambda o: o["ready"] is True, "ready through the second machine")
    tab.goto(app.launch_url)
    tab.get_by_test_id("nav-models").click()
    expect(tab.get_by_test_id("models-page")).to_be_visible()
    output = tab.get_by_test_id("models-output-tiny_image")
    expect(output).to_have_attribute("data-ready", "true")
    expect(output.get_by_test_id("models-output-machines")).to_have_text("auf 1 von 2 ComfyUI-Maschinen")

    machines[1].kill()
    wait_for_the_overview(
        app,
        lambda o: [reason["code"] for reason in o["reasons"]] == ["output_pool_files_nowhere"],
        "files nowhere",
    )
    tab.reload()
    expect(output).to_have_attribute("data-ready", "false")
    expect(output.locator("[data-code=output_pool_files_nowhere]")).to_contain_text("1 von 2")
    page.assert_clean()
