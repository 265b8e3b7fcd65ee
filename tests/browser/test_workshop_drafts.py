"""Text a student typed into the workshop but has not sent survives a reload: the run's view is
rebuilt from its record on the server, and the tab's draft puts the unsent text back on top. Once
the text is sent, its draft is gone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.page_watch import PageWatch
from tests.browser.workshop_app import workshop_app
from tests.llm_testserver.process import TestServerProcess

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
IDEA = "Ein Drachen über dem Schulhof"
NEW_IDEA = "Ein Drachen über dem Schulhof, im Regen"
EDITED = "Ein nasser Drachen tanzt."
DRAFT_KEYS = "() => Object.keys(sessionStorage).filter((key) => key.startsWith('ai4artsed.workshop.draft.'))"


def _intercepted(page: Page) -> str:
    """Waits for the interception to end; the workshop's address names the run."""
    expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("start")).not_to_have_attribute("aria-busy", "true", timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"[?&]run="))
    return page.url


def test_typed_text_survives_a_reload_and_goes_once_sent(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # Only the idea and the interception: no ComfyUI needed.
    with workshop_app(tmp_path, llm_server, comfyui=False) as app:
        page.goto(app.launch_url)
        page.get_by_test_id("attitude-card-dada").click()
        page.get_by_test_id("use-attitude").click()
        # Before the first run (nothing sent yet), the workshop's own snapshot keeps what was typed.
        page.get_by_test_id("idea-box").fill(IDEA)
        page.reload()
        expect(page.get_by_test_id("idea-box")).to_have_value(IDEA, timeout=TIMEOUT_MS)
        page.get_by_test_id("start").click()
        first_run = _intercepted(page)
        answer = page.get_by_test_id("interception-box").input_value()
        assert answer and answer != EDITED

        # Typed, not sent: a reload rebuilds the run from the server and puts the text back.
        page.get_by_test_id("idea-box").fill(NEW_IDEA)
        page.get_by_test_id("interception-box").fill(EDITED)
        page.reload()
        expect(page.get_by_test_id("idea-box")).to_have_value(NEW_IDEA, timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("interception-box")).to_have_value(EDITED)
        assert len(page.evaluate(DRAFT_KEYS)) == 1

        # Start sends the idea into a new run: the first run's draft is gone.
        page.get_by_test_id("start").click()
        expect(page).not_to_have_url(first_run, timeout=TIMEOUT_MS)
        _intercepted(page)
        page.reload()
        expect(page.get_by_test_id("idea-box")).to_have_value(NEW_IDEA, timeout=TIMEOUT_MS)
        assert page.evaluate(DRAFT_KEYS) == []
        page.goto(first_run)
        expect(page.get_by_test_id("idea-box")).to_have_value(IDEA, timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("interception-box")).to_have_value(answer)
        small_page.assert_clean()
