"""The wizard's safety step says that protection is by term lists only (and how to add a guard
model) when the safety stage has no capable checker, and says nothing of it when it has one."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.language_switch import switch_to_english
from tests.browser.page_watch import PageWatch
from tests.support.app_process import start_app
from tests.support.settings_files import write_settings

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("model", "shown"), [("verdict-safe", True), ("llama-guard-3-1b", False)])
def test_the_wizard_safety_step_says_lists_only_without_a_capable_checker(
    tmp_path: Path, small_page: PageWatch, model: str, shown: bool
) -> None:
    write_settings(tmp_path / "app", base_url="http://127.0.0.1:9/v1", safety=model, first_run_done=False)
    with start_app(tmp_path / "app") as app:
        page = small_page.page
        page.goto(app.launch_url)
        wizard = page.get_by_test_id("welcome-view")
        expect(wizard).to_have_attribute("data-step", "language")
        switch_to_english(page, app)
        page.get_by_test_id("welcome-next").click()
        expect(wizard).to_have_attribute("data-step", "safety")
        expect(page.get_by_test_id("safety-panel")).to_be_visible()
        note = page.get_by_test_id("wizard-safety-lists-only")
        if shown:
            expect(note).to_contain_text("term lists only")
            expect(note).to_contain_text("Llama Guard 3 1B")
        else:
            # Wait until the server's answer is in, then the note must be absent.
            expect(page.get_by_test_id("welcome-step")).to_have_attribute("data-safety-checker", "true")
            expect(note).to_have_count(0)
        small_page.assert_clean()
