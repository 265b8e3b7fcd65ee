"""Choosing an attitude leads on: after a card is picked, "use this attitude" is in view without
scrolling at 1366x768 and 1024x768, and Enter on the focused, chosen card opens the workshop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    folder = Path(tmp_path_factory.mktemp("leads")) / "app"
    mark_set_up(folder)  # past the first-run wizard
    with start_app(folder) as running:
        yield running


def _in_view(page: Page, test_id: str) -> bool:
    box = page.get_by_test_id(test_id).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return (
        box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )


@pytest.mark.parametrize("width", [1366, 1024])
def test_the_way_forward_is_in_view_after_choosing_a_card(
    app: AppProcess, page_pool: PagePool, width: int
) -> None:
    with page_pool.page(width=width, height=768, locale="de-DE") as page:
        page.goto(app.launch_url)
        # A card further down the page, chosen with the keyboard.
        card = page.get_by_test_id("attitude-card-telephone")
        card.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("attitude-detail-name")).to_be_visible()
        page.wait_for_function("document.querySelector('[data-testid=use-attitude-top]') !== null")
        page.get_by_test_id("attitude-detail").scroll_into_view_if_needed()
        assert _in_view(page, "use-attitude-top")
        assert _in_view(page, "attitude-detail-close")
        # Enter again on the chosen card: on into the workshop.
        card.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("workshop")).to_be_visible()
        assert page.url.endswith("/create/telephone")


def test_the_chosen_card_itself_offers_use_this_attitude(app: AppProcess, page_pool: PagePool) -> None:
    with page_pool.page(width=1024, height=768, locale="de-DE") as page:
        page.goto(app.launch_url)
        expect(page.get_by_test_id("attitude-card-dada")).to_be_visible()
        # Before a choice no card offers it; after, only the chosen one does.
        expect(page.get_by_test_id("use-attitude-card")).to_have_count(0)
        page.get_by_test_id("attitude-card-telephone").click()
        use = page.get_by_test_id("use-attitude-card")
        expect(use).to_have_count(1)
        expect(use).to_be_visible()
        use.click()
        expect(page.get_by_test_id("workshop")).to_be_visible()
        assert page.url.endswith("/create/telephone")
