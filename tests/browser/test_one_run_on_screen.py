"""One run on screen, honestly: another attitude starts a fresh run view, earlier results of the
run stay as a strip, and the workshop survives a reload (F5) and a trip to another page mid-run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.page_watch import PageWatch
from tests.browser.workshop_app import workshop_app
from tests.llm_testserver.process import TestServerProcess
from tests.support import loopback_http
from tests.support.app_process import AppProcess

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000


def _test_comfyui(app: AppProcess, control: str) -> None:
    """Holds or releases the test ComfyUI's held nodes (COMFYUI_TESTSERVER_HOLD_NODES), once it is ready."""
    deadline = time.monotonic() + 60
    with app.client() as client:
        while (status := client.get("/api/comfyui/status").json())["state"] != "ready":
            assert time.monotonic() < deadline, f"the test ComfyUI never became ready: {status}"
            time.sleep(0.1)
    url = status["url"]
    loopback_http.post(f"{url}/testserver/{control}", timeout=10.0).raise_for_status()


def _generate(page: Page) -> None:
    with page.expect_response("**/api/generation") as answer:
        page.get_by_test_id("generate").click()
    assert answer.value.status == 202, answer.value.text()


def test_one_run_on_screen_survives_reload_and_leaves_with_its_attitude(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # The seeded step is held by the test ComfyUI while the test says so: the second picture stays
    # mid-run for as long as the test needs, then finishes (no guessed durations).
    held = {"COMFYUI_TESTSERVER_HOLD_NODES": "ImageAddNoise"}
    with workshop_app(tmp_path, llm_server, env=held) as app:
        _test_comfyui(app, "release")
        page.goto(app.launch_url)
        page.get_by_test_id("attitude-card-dada").click()
        page.get_by_test_id("use-attitude").click()
        page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
        page.get_by_test_id("start").click()
        interception = page.get_by_test_id("interception-box")
        expect(interception).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("start")).not_to_have_attribute("aria-busy", "true", timeout=TIMEOUT_MS)
        page.get_by_test_id("output-selftest_image").click()
        expect(page.get_by_test_id("generate")).to_be_enabled(timeout=TIMEOUT_MS)
        _generate(page)
        image = page.get_by_test_id("media-image")
        expect(image).to_be_visible(timeout=TIMEOUT_MS)
        first = image.get_attribute("src") or ""

        # A second picture: the first stays visible as a small strip.
        _test_comfyui(app, "hold")
        _generate(page)
        # Reload in the middle of the run: the run and its running step come back.
        progress = page.get_by_test_id("generation-progress")
        expect(progress.locator('[data-stage="generation"]')).to_have_attribute(
            "data-state", "current", timeout=TIMEOUT_MS
        )
        page.reload()
        expect(page.get_by_test_id("workshop")).to_be_visible()
        expect(page.get_by_test_id("idea-box")).to_have_value("Ein Straßenfest im Regen")
        expect(interception).to_be_visible()
        expect(progress.locator('[data-stage="generation"]')).to_have_attribute(
            "data-state", "current", timeout=TIMEOUT_MS
        )
        _test_comfyui(app, "release")
        expect(page.get_by_test_id("media-image")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("generation-progress")).to_have_count(0, timeout=TIMEOUT_MS)
        second = page.get_by_test_id("media-image").get_attribute("src") or ""
        assert second != first
        strip = page.get_by_test_id("earlier-result")
        expect(strip).to_have_count(1)
        assert first.endswith(strip.first.get_attribute("data-name") or "-")

        # Away to the gallery and back: still the same run.
        page.get_by_test_id("nav-gallery").click()
        expect(page.get_by_test_id("gallery")).to_be_visible()
        page.go_back()
        expect(page.get_by_test_id("media-image")).to_have_attribute("src", second)

        # Another attitude: a fresh run view, nothing of the Dada run under the Bauhaus title.
        page.get_by_test_id("nav-workshop").click()
        page.get_by_test_id("attitude-card-bauhaus").click()
        page.get_by_test_id("use-attitude").click()
        expect(page.get_by_test_id("workshop")).to_be_visible()
        expect(page.get_by_test_id("interception-box")).to_have_count(0)
        expect(page.get_by_test_id("media-image")).to_have_count(0)
        expect(page.get_by_test_id("earlier-results")).to_have_count(0)
        # ... and a reload keeps it fresh.
        page.reload()
        expect(page.get_by_test_id("workshop")).to_be_visible()
        expect(page.get_by_test_id("interception-box")).to_have_count(0)
        small_page.assert_clean()
