"""The run on the server is the workshop's truth: the workshop's address names its run, and a new
browser context (no session storage of the old tab) opened on that address shows the run's idea,
texts and picture, rebuilt from the run's record."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import PageWatch
from tests.browser.workshop_app import workshop_app
from tests.llm_testserver.process import TestServerProcess
from tests.support.browser import PagePool

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
IDEA = "Ein Drachen über dem Schulhof"


def test_a_new_browser_context_opens_the_run_from_the_server(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch, page_pool: PagePool
) -> None:
    page = small_page.page
    with workshop_app(tmp_path, llm_server) as app:
        page.goto(app.launch_url)
        page.get_by_test_id("attitude-card-dada").click()
        page.get_by_test_id("use-attitude").click()
        page.get_by_test_id("idea-box").fill(IDEA)
        page.get_by_test_id("start").click()
        interception = page.get_by_test_id("interception-box")
        expect(interception).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("start")).not_to_have_attribute("aria-busy", "true", timeout=TIMEOUT_MS)
        page.get_by_test_id("output-selftest_image").click()
        expect(page.get_by_test_id("generate")).to_be_enabled(timeout=TIMEOUT_MS)
        page.get_by_test_id("generate").click()
        expect(page.get_by_test_id("media-image")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page).to_have_url(re.compile(r"[?&]run="))
        address = page.url
        text = interception.input_value()
        optimized = page.get_by_test_id("optimized-box").input_value()
        picture = page.get_by_test_id("media-image").get_attribute("src")
        assert text and picture

        # Another context of the pool: no cookie and no session storage of the first tab.
        with page_pool.page(width=1280, height=720, locale="de-DE") as tab:
            tab.goto(app.launch_url)
            tab.goto(address)
            expect(tab.get_by_test_id("idea-box")).to_have_value(IDEA, timeout=TIMEOUT_MS)
            expect(tab.get_by_test_id("interception-box")).to_have_value(text)
            expect(tab.get_by_test_id("optimized-box")).to_have_value(optimized)
            expect(tab.get_by_test_id("media-image")).to_have_attribute("src", picture)
            # The picture is really there, not only its address.
            tab.wait_for_function(
                "() => { const i = document.querySelector('[data-testid=media-image]');"
                " return i !== null && i.complete && i.naturalWidth > 0 }",
                timeout=TIMEOUT_MS,
            )
        small_page.assert_clean()


def test_a_new_browser_context_follows_the_running_generation_to_its_end(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch, page_pool: PagePool
) -> None:
    page = small_page.page
    slow = {"COMFYUI_TESTSERVER_SLOW_NODES": "EmptyImage:1.5,ImageAddNoise:1.5"}
    with workshop_app(tmp_path, llm_server, env=slow) as app:
        page.goto(app.launch_url)
        page.get_by_test_id("attitude-card-dada").click()
        page.get_by_test_id("use-attitude").click()
        page.get_by_test_id("idea-box").fill(IDEA)
        page.get_by_test_id("start").click()
        expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("start")).not_to_have_attribute("aria-busy", "true", timeout=TIMEOUT_MS)
        page.get_by_test_id("output-selftest_image").click()
        expect(page.get_by_test_id("generate")).to_be_enabled(timeout=TIMEOUT_MS)
        page.get_by_test_id("generate").click()
        expect(
            page.get_by_test_id("generation-progress").locator('[data-stage="generation"]')
        ).to_have_attribute("data-state", "current", timeout=TIMEOUT_MS)
        address = page.url
        assert "run=" in address

        # Another context of the pool: no cookie and no session storage of the first tab.
        with page_pool.page(width=1280, height=720, locale="de-DE") as tab:
            tab.goto(app.launch_url)
            tab.goto(address)
            expect(tab.get_by_test_id("idea-box")).to_have_value(IDEA, timeout=TIMEOUT_MS)
            # The step is still running on the server: the new tab follows it to its picture.
            expect(tab.get_by_test_id("generation-progress")).to_be_visible(timeout=TIMEOUT_MS)
            expect(tab.get_by_test_id("media-image")).to_be_visible(timeout=TIMEOUT_MS)
            expect(tab.get_by_test_id("generation-progress")).to_have_count(0, timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("media-image")).to_be_visible(timeout=TIMEOUT_MS)
        small_page.assert_clean()
