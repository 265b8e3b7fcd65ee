"""The settings page has a section index: each entry brings its section into view."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.app_process import start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


def test_the_section_index_jumps_to_each_section(tmp_path: Path, page_pool: PagePool) -> None:
    folder = tmp_path / "app"
    mark_set_up(folder)
    with page_pool.page(width=1366, height=768, locale="de-DE") as page, start_app(folder) as app:
        page.goto(app.launch_url)
        page.get_by_test_id("nav-settings").click()
        index = page.get_by_test_id("settings-index")
        expect(index).to_be_visible()
        links = index.get_by_role("link")
        expect(links).to_have_count(8)
        for section in ("storage-panel", "api-keys-panel", "safety-panel"):
            page.get_by_test_id(f"settings-index-{section}").click()
            target = page.get_by_test_id(section)
            expect(target).to_be_focused()
            expect(target).to_be_in_viewport()
