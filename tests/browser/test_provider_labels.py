"""Provider labels on the settings page say "(Cloud)" once, never "(Cloud) (Cloud)"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """One set-up app for the module: its tests only look at the settings page."""
    folder = tmp_path_factory.mktemp("labels") / "app"
    mark_set_up(folder)
    with start_app(folder) as running:
        yield running


def test_cloud_providers_are_marked_once(app: AppProcess, page_pool: PagePool) -> None:
    with page_pool.page(width=1366, height=768, locale="de-DE") as page:
        page.goto(app.launch_url)
        page.get_by_test_id("nav-settings").click()
        options = page.get_by_test_id("llm-provider-interception").locator("option")
        expect(options.first).to_be_attached()
        labels = [label.strip() for label in options.all_inner_texts()]
        assert any("(Cloud)" in label for label in labels), labels
        assert not [label for label in labels if label.count("(Cloud)") > 1], labels


def test_no_raw_key_ids_show(app: AppProcess, page_pool: PagePool) -> None:
    with page_pool.page(width=1366, height=768, locale="de-DE") as page:
        page.goto(app.launch_url)
        page.get_by_test_id("nav-settings").click()
        title = page.get_by_test_id("key-custom").locator("strong").first
        expect(title).to_contain_text("Eigene Adresse")
        titles = [text.strip() for text in page.locator('[data-testid^="key-"] strong').all_inner_texts()]
        assert "custom" not in titles, titles
