"""A run whose record is damaged, in real Chromium against the real app: the gallery shows it as a
damaged card (plain label, its id and files), its page says it is damaged and deletes it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.browser.page_watch import PageWatch
from tests.support.app_process import AppProcess, start_app
from tests.support.run_folders import RunSpec, day, write_run

pytestmark = pytest.mark.browser


@pytest.fixture
def damaged_gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppProcess, str, str]]:
    folder = tmp_path_factory.mktemp("damaged") / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    good = write_run(store, RunSpec("Ein Fest im Regen", day(0))).id
    damaged = write_run(store, RunSpec("Ein Stuhl", day(1))).id
    store.close()
    (paths.runs_dir / damaged / "run.json").write_text('{"id": "abgeschnitten', encoding="utf-8")
    with start_app(folder) as app:
        yield app, good, damaged


def test_a_damaged_run_is_a_damaged_card_and_can_be_deleted(
    damaged_gallery: tuple[AppProcess, str, str], small_page: PageWatch
) -> None:
    app, good, damaged = damaged_gallery
    page = small_page.page
    page.goto(app.launch_url)
    page.get_by_test_id("nav-gallery").click()

    card = page.locator(f'[data-testid="gallery-card"][data-run-id="{damaged}"]')
    expect(card).to_have_attribute("data-damaged", "true")
    label = "Beschädigter Lauf: Seine Datei kann nicht gelesen werden"
    expect(card.get_by_test_id("card-damaged")).to_have_text(label)
    expect(card.get_by_test_id("card-files")).to_contain_text(damaged)
    expect(card.get_by_test_id("card-files")).to_contain_text("1 Datei(en)")
    healthy = page.locator(f'[data-testid="gallery-card"][data-run-id="{good}"]')
    expect(healthy).not_to_have_attribute("data-damaged", "true")
    expect(healthy.get_by_test_id("card-idea")).to_have_text("Ein Fest im Regen")

    card.get_by_test_id("open-run").click()
    expect(page.get_by_test_id("run-damaged")).to_be_visible()
    expect(page.get_by_test_id("run-error")).to_contain_text("beschädigt")
    page.get_by_test_id("delete-run").click()
    with page.expect_response(lambda r: r.request.method == "DELETE") as answer:
        page.get_by_test_id("confirm-delete").click()
    assert answer.value.status == 200
    expect(page.get_by_test_id("gallery")).to_be_visible()
    expect(page.locator(f'[data-run-id="{damaged}"]')).to_have_count(0)
    expect(page.locator(f'[data-run-id="{good}"]')).to_have_count(1)
    # The page's own request for the damaged run answered 409, which Chromium reports on its console.
    assert [error for error in small_page.errors if "409" not in error] == []
    assert small_page.csp_violations() == []
