"""The settings page (and with it the wizard, which shows the same panel) says when protection is by
term lists only, and stops saying so once a guard model is the safety stage's checker."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import PageWatch
from tests.support.app_process import start_app
from tests.support.settings_files import write_settings

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("model", "shown"), [("verdict-safe", True), ("llama-guard-3-1b", False)])
def test_the_safety_stage_says_lists_only_without_a_capable_checker(
    tmp_path: Path, small_page: PageWatch, model: str, shown: bool
) -> None:
    write_settings(tmp_path / "app", base_url="http://127.0.0.1:9/v1", safety=model, first_run_done=True)
    with start_app(tmp_path / "app") as app:
        page = small_page.page
        page.goto(app.launch_url)
        page.get_by_test_id("nav-settings").click()
        stage = page.get_by_test_id("llm-stage-safety")
        expect(stage).to_be_visible()
        hint = stage.get_by_test_id("safety-lists-only")
        if shown:
            expect(hint).to_contain_text("Wortlisten")
            expect(hint).to_contain_text("Llama Guard 3 1B")
        else:
            expect(page.get_by_test_id("llm-model-safety")).to_have_value(model)
            expect(hint).to_have_count(0)
        assert small_page.errors == []
