"""A new teacher without ComfyUI: the wizard's "Install ComfyUI for me" alone leads to a test picture.

The app's release pin points at an archive of the ComfyUI test server and wheels on 127.0.0.1
(tests/comfyui_install/local_sources.py); everything else is the real app, uv and browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.language_switch import switch_to_english
from tests.browser.page_watch import PageWatch, watched_page
from tests.comfyui_install.conftest import LocalSources, local_sources  # noqa: F401 - the fixture
from tests.support.app_process import REPO_ROOT, AppProcess, start_app
from tests.support.browser import PagePool

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture
def page(page_pool: PagePool) -> Iterator[PageWatch]:
    with watched_page(page_pool, 1280, 900, "en-GB") as watch:
        yield watch


@pytest.fixture
def new_teachers_app(tmp_path: Path, local_sources: LocalSources) -> Iterator[AppProcess]:  # noqa: F811
    if not (REPO_ROOT / "web" / "dist" / "index.html").is_file():
        raise RuntimeError("the web UI is not built: run `cd web && npm ci && npm run build` first")
    home = tmp_path / "home"
    home.mkdir()
    release = local_sources.release(tmp_path / "release.json")
    env = {"HOME": str(home), "AI4ARTSED_COMFYUI_RELEASE": str(release)}
    with start_app(tmp_path / "app", env=env) as running:
        yield running


def test_install_comfyui_for_me_from_the_wizard_to_the_test_picture(
    page: PageWatch, new_teachers_app: AppProcess
) -> None:
    tab = page.page
    tab.goto(new_teachers_app.launch_url)
    wizard = tab.get_by_test_id("welcome-view")
    expect(wizard).to_have_attribute("data-step", "language")
    switch_to_english(tab, new_teachers_app)
    tab.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "safety")
    tab.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "where")
    tab.get_by_test_id("where-local").click()
    tab.get_by_test_id("welcome-next").click()

    expect(wizard).to_have_attribute("data-step", "comfyui")
    tab.get_by_test_id("comfyui-install-plan").click()
    summary = tab.get_by_test_id("comfyui-install-summary")
    expect(summary).to_be_visible()
    # No GPU tool answers on this machine: the plan says CPU, and honestly that it is slow.
    expect(tab.get_by_test_id("comfyui-install-gpu")).to_have_attribute("data-kind", "none")
    expect(tab.get_by_test_id("comfyui-install-cpu-warning")).to_contain_text("minutes")
    expect(summary).to_contain_text(str(new_teachers_app.data_dir))
    tab.get_by_test_id("comfyui-install-go").click()
    expect(tab.get_by_test_id("comfyui-install-done")).to_be_visible(timeout=300_000)
    picture = tab.get_by_test_id("comfyui-install-picture")
    expect(picture).to_be_visible()
    assert picture.evaluate("image => image.naturalWidth") == 64
    expect(tab.get_by_test_id("comfyui-status")).to_have_attribute("data-state", "ready", timeout=60_000)
    tab.get_by_test_id("welcome-next").click()

    expect(wizard).to_have_attribute("data-step", "models")
    tab.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "test")
    tab.get_by_test_id("comfyui-selftest-start").click()
    expect(tab.get_by_test_id("comfyui-selftest-ok")).to_be_visible(timeout=60_000)
    expect(tab.get_by_test_id("comfyui-selftest-image")).to_be_visible()
    tab.get_by_test_id("welcome-done").click()
    expect(wizard).to_have_count(0)
    page.assert_clean()
