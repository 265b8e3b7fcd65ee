"""The settings' "Test ComfyUI" pictures are runs like any other, but not the class's work: the
gallery leaves them out until the teacher ticks "Show test pictures"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.browser.page_watch import PageWatch
from tests.support.app_process import AppProcess, start_app
from tests.support.run_folders import RunSpec, day, write_run

pytestmark = pytest.mark.browser


@pytest.fixture
def app_with_a_test_picture(tmp_path: Path) -> Iterator[tuple[AppProcess, str, str]]:
    folder = tmp_path / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    student = write_run(store, RunSpec("Ein Fest im Regen", day(1))).id
    self_test = write_run(
        store, RunSpec("a red circle on a blue background", day(2), attitude="as_is", self_test=True)
    ).id
    store.close()
    with start_app(folder) as app:
        yield app, student, self_test


def test_the_gallery_hides_test_pictures_until_asked(
    app_with_a_test_picture: tuple[AppProcess, str, str], small_page: PageWatch
) -> None:
    app, student, self_test = app_with_a_test_picture
    page = small_page.page
    page.goto(app.launch_url)
    page.get_by_test_id("nav-gallery").click()
    cards = page.get_by_test_id("gallery-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-run-id", student)

    page.get_by_test_id("filter-self-test").check()
    expect(cards).to_have_count(2)
    expect(page.locator(f'[data-run-id="{self_test}"]')).to_be_visible()
    # The choice is in the address, so it survives a visit to a run and back.
    expect(page).to_have_url(re.compile(r"self_test=true"))
    page.get_by_test_id("filter-self-test").uncheck()
    expect(cards).to_have_count(1)
    small_page.assert_clean()
