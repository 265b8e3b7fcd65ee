"""Nothing on screen for children that is for teachers: the protection list (negative prompt) is
folded in the transparency view, and a stopped (blocked) idea shows its text only after a click."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from server.runs.models import RunStatus
from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.browser.page_watch import PageWatch
from tests.support.app_process import AppProcess, start_app
from tests.support.run_folders import RunSpec, day, write_run

pytestmark = pytest.mark.browser

NEGATIVE = "nudity, gore, weapons"
STOPPED_IDEA = "Ein Bild mit verbotenem Inhalt"


@pytest.fixture(scope="module")
def app_with_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppProcess, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("teacher") / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    runs = {
        "normal": write_run(store, RunSpec("Ein Fest im Regen", day(1), negative=NEGATIVE)).id,
        "stopped": write_run(store, RunSpec(STOPPED_IDEA, day(2), medium=None, status=RunStatus.BLOCKED)).id,
    }
    store.close()
    with start_app(folder) as app:
        yield app, runs


def test_the_protection_list_is_folded_for_the_teacher(
    app_with_runs: tuple[AppProcess, dict[str, str]], small_page: PageWatch
) -> None:
    app, runs = app_with_runs
    page = small_page.page
    page.goto(app.launch_url)
    page.goto(f"{app.base_url}/gallery/{runs['normal']}")
    expect(page.get_by_test_id("detail-english")).to_be_visible()
    expect(page.get_by_text(NEGATIVE)).to_be_hidden()
    protection = page.get_by_test_id("detail-protection")
    expect(protection).to_contain_text("Schutzliste")
    protection.locator("summary").click()
    expect(page.get_by_test_id("detail-negative")).to_be_visible()
    expect(page.get_by_test_id("detail-negative")).to_have_text(NEGATIVE)
    small_page.assert_clean()


def test_a_stopped_idea_shows_its_text_only_after_a_click(
    app_with_runs: tuple[AppProcess, dict[str, str]], small_page: PageWatch
) -> None:
    app, runs = app_with_runs
    page = small_page.page
    page.goto(app.launch_url)
    page.get_by_test_id("nav-gallery").click()
    card = page.locator(f'[data-testid="gallery-card"][data-run-id="{runs["stopped"]}"]')
    expect(card).to_be_visible()
    expect(card.get_by_test_id("card-stopped")).to_have_text("Gestoppte Idee")
    expect(card.get_by_text(STOPPED_IDEA)).to_have_count(0)
    assert STOPPED_IDEA not in (card.get_by_test_id("open-run").get_attribute("aria-label") or "")
    card.get_by_test_id("show-stopped-text").click()
    expect(card.get_by_test_id("card-idea")).to_have_text(STOPPED_IDEA)
    # An ordinary run shows its idea at once.
    normal = page.locator(f'[data-testid="gallery-card"][data-run-id="{runs["normal"]}"]')
    expect(normal.get_by_test_id("card-idea")).to_have_text("Ein Fest im Regen")
    small_page.assert_clean()
