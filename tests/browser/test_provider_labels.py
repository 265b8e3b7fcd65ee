"""Provider labels on the settings page say "(Cloud)" once, never "(Cloud) (Cloud)"."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.app_process import start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


def test_cloud_providers_are_marked_once(tmp_path: Path, page_pool: PagePool) -> None:
    folder = tmp_path / "app"
    mark_set_up(folder)
    with page_pool.page(width=1366, height=768, locale="de-DE") as page, start_app(folder) as app:
        page.goto(app.launch_url)
        page.get_by_test_id("nav-settings").click()
        options = page.get_by_test_id("llm-provider-interception").locator("option")
        expect(options.first).to_be_attached()
        labels = [label.strip() for label in options.all_inner_texts()]
        assert any("(Cloud)" in label for label in labels), labels
        assert not [label for label in labels if label.count("(Cloud)") > 1], labels


def test_no_raw_key_ids_show(tmp_path: Path, page_pool: PagePool) -> None:
    folder = tmp_path / "app"
    mark_set_up(folder)
    with page_pool.page(width=1366, height=768, locale="de-DE") as page, start_app(folder) as app:
        page.goto(app.launch_url)
        page.get_by_test_id("nav-settings").click()
        title = page.get_by_test_id("key-custom").locator("strong").first
        expect(title).to_contain_text("Eigene Adresse")
        titles = [text.strip() for text in page.locator('[data-testid^="key-"] strong').all_inner_texts()]
        assert "custom" not in titles, titles
