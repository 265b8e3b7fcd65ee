"""The settings page and the first-run wizard in real Chromium against the real app.

Needs the built UI: ``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.language_switch import switch_to_english
from tests.browser.page_watch import PageWatch, watched_page
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import REPO_ROOT, AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.settings_files import write_settings

pytestmark = pytest.mark.browser

COMFYUI_TESTSERVER = REPO_ROOT / "tests" / "comfyui_testserver"


def _built() -> None:
    if not (REPO_ROOT / "web" / "dist" / "index.html").is_file():
        raise RuntimeError("the web UI is not built: run `cd web && npm ci && npm run build` first")


@pytest.fixture
def page(page_pool: PagePool) -> Iterator[PageWatch]:
    with watched_page(page_pool, 1280, 900, "de-DE") as watch:
        yield watch


@pytest.fixture
def configured_app(tmp_path: Path, llm_server: TestServerProcess) -> Iterator[AppProcess]:
    """An installed app (settings from before): interception answers, translation's model is unknown."""
    _built()
    write_settings(tmp_path / "app", base_url=llm_server.base_url, translation="error-404")
    with start_app(tmp_path / "app") as running:
        yield running


@pytest.fixture
def fresh_app(tmp_path: Path) -> Iterator[AppProcess]:
    """A new install: no settings yet, no ComfyUI found (an empty home folder)."""
    _built()
    home = tmp_path / "home"
    home.mkdir()
    with start_app(tmp_path / "app", env={"HOME": str(home)}) as running:
        yield running


def open_settings(tab: Page, app: AppProcess) -> None:
    tab.goto(app.launch_url)
    expect(tab.get_by_test_id("settings-view").or_(tab.get_by_test_id("nav-settings"))).to_be_visible()
    tab.get_by_test_id("nav-settings").click()
    expect(tab.get_by_test_id("safety-panel")).to_be_visible()


def test_the_safety_level_needs_the_teacher_pin(page: PageWatch, configured_app: AppProcess) -> None:
    tab = page.page
    open_settings(tab, configured_app)
    # An installed app from before the wizard does not open it.
    expect(tab.get_by_test_id("welcome-view")).to_have_count(0)
    expect(tab.get_by_test_id("pin-state")).to_have_attribute("data-set", "false")
    tab.get_by_test_id("pin-new").fill("4711")
    tab.get_by_test_id("pin-repeat").fill("4711")
    tab.get_by_test_id("pin-save").click()
    expect(tab.get_by_test_id("pin-state")).to_have_attribute("data-set", "true")

    tab.get_by_test_id("safety-level-youth").click()
    tab.get_by_test_id("safety-pin").fill("0000")
    tab.get_by_test_id("safety-apply").click()
    expect(tab.get_by_test_id("safety-error")).to_contain_text("PIN")
    expect(tab.get_by_test_id("safety-current")).to_have_attribute("data-level", "kids")

    tab.get_by_test_id("safety-pin").fill("4711")
    tab.get_by_test_id("safety-apply").click()
    expect(tab.get_by_test_id("safety-saved")).to_be_visible()
    expect(tab.get_by_test_id("safety-current")).to_have_attribute("data-level", "youth")
    with configured_app.client() as client:
        assert client.get("/api/settings").json()["safety_level"] == "youth"
    # The refused change is the one expected failed request (the browser logs every 403).
    assert len(page.errors) == 1 and "status of 403" in page.errors[0]
    assert page.csp_violations() == []


def test_a_stage_test_button_shows_ok_and_failure(page: PageWatch, configured_app: AppProcess) -> None:
    tab = page.page
    open_settings(tab, configured_app)
    tab.get_by_test_id("llm-test-interception").click()
    ok = tab.get_by_test_id("llm-result-interception")
    expect(ok).to_have_attribute("data-ok", "true")
    expect(ok).to_contain_text("Funktioniert")
    expect(ok).to_contain_text("echo: Say OK.")

    tab.get_by_test_id("llm-test-translation").click()
    failed = tab.get_by_test_id("llm-result-translation")
    expect(failed).to_have_attribute("data-ok", "false")
    expect(failed).to_contain_text("Funktioniert nicht")
    expect(failed).to_contain_text("error-404")
    page.assert_clean()


def test_the_settings_page_in_german_and_english(page: PageWatch, configured_app: AppProcess) -> None:
    tab = page.page
    open_settings(tab, configured_app)
    for testid, german in (
        ("safety-panel", "Jugendschutz"),
        ("llm-panel", "Sprachmodelle"),
        ("comfyui-panel", "ComfyUI"),
        ("storage-panel", "Datenordner"),
        ("offline-mode-panel", "Offline"),
    ):
        expect(tab.get_by_test_id(testid)).to_contain_text(german)
    expect(tab.get_by_test_id("comfyui-status")).to_contain_text("ComfyUI")
    data_dir = (configured_app.data_dir / "data").resolve()
    expect(tab.get_by_test_id("storage-path")).to_have_value(str(data_dir))

    tab.get_by_test_id("language-panel").get_by_test_id("lang-en").click()
    expect(tab.get_by_test_id("safety-panel")).to_contain_text("Youth protection")
    expect(tab.get_by_test_id("llm-panel")).to_contain_text("Language models")
    expect(tab.get_by_test_id("storage-panel")).to_contain_text("Data folder")
    expect(tab.get_by_test_id("safety-level-research")).to_contain_text("needs the teacher PIN")
    # The choice is saved: the app starts in English next time.
    tab.reload()
    expect(tab.get_by_test_id("safety-panel")).to_contain_text("Youth protection")
    page.assert_clean()


def test_the_first_run_wizard_end_to_end(page: PageWatch, fresh_app: AppProcess) -> None:
    tab = page.page
    tab.goto(fresh_app.launch_url)
    wizard = tab.get_by_test_id("welcome-view")
    expect(wizard).to_have_attribute("data-step", "language")
    switch_to_english(tab, fresh_app)
    expect(wizard).to_contain_text("Welcome")
    tab.get_by_test_id("welcome-next").click()

    expect(wizard).to_have_attribute("data-step", "safety")
    tab.get_by_test_id("pin-new").fill("2468")
    tab.get_by_test_id("pin-repeat").fill("2468")
    tab.get_by_test_id("pin-save").click()
    expect(tab.get_by_test_id("pin-state")).to_have_attribute("data-set", "true")
    tab.get_by_test_id("safety-level-youth").click()
    tab.get_by_test_id("safety-pin").fill("2468")
    tab.get_by_test_id("safety-apply").click()
    expect(tab.get_by_test_id("safety-current")).to_have_attribute("data-level", "youth")
    tab.get_by_test_id("welcome-next").click()

    expect(wizard).to_have_attribute("data-step", "where")
    tab.get_by_test_id("where-local").click()
    expect(tab.get_by_test_id("where-local-note")).to_contain_text("Offline mode stays on")
    tab.get_by_test_id("welcome-next").click()

    expect(wizard).to_have_attribute("data-step", "comfyui")
    tab.get_by_test_id("comfyui-mode-managed").click()
    tab.get_by_test_id("comfyui-folder-path").fill(str(COMFYUI_TESTSERVER))
    tab.get_by_test_id("comfyui-folder-open").click()
    expect(tab.get_by_test_id("comfyui-folder-listing")).to_be_visible()
    tab.get_by_test_id("comfyui-python").fill(sys.executable)
    tab.get_by_test_id("comfyui-save").click()
    expect(tab.get_by_test_id("comfyui-saved")).to_be_visible()
    tab.get_by_test_id("comfyui-start").click()
    expect(tab.get_by_test_id("comfyui-status")).to_have_attribute("data-state", "ready", timeout=60_000)
    tab.get_by_test_id("welcome-next").click()

    expect(wizard).to_have_attribute("data-step", "models")
    expect(tab.get_by_test_id("model-check-summary")).to_contain_text("outputs have all their model files")
    expect(tab.get_by_test_id("model-check-to-models")).to_be_visible()
    tab.get_by_test_id("welcome-next").click()

    expect(wizard).to_have_attribute("data-step", "test")
    tab.get_by_test_id("comfyui-selftest-start").click()
    expect(tab.get_by_test_id("comfyui-selftest-ok")).to_be_visible(timeout=60_000)
    expect(tab.get_by_test_id("comfyui-selftest-image")).to_be_visible()
    tab.get_by_test_id("welcome-done").click()
    expect(wizard).to_have_count(0)

    # The test picture is a run marked as a self-test: the gallery shows it only when asked.
    tab.get_by_test_id("nav-gallery").click()
    expect(tab.get_by_test_id("gallery-empty")).to_be_visible()
    tab.get_by_test_id("filter-self-test").check()
    expect(tab.get_by_test_id("gallery-card")).to_have_count(1)

    settings_file = fresh_app.data_dir / "config" / "settings.json"
    stored = json.loads(settings_file.read_text(encoding="utf-8"))
    assert stored["first_run_done"] is True
    assert stored["language"] == "en"
    assert stored["safety_level"] == "youth"
    assert stored["offline"] is True
    assert stored["comfyui"]["mode"] == "managed"

    # Once done, the app starts on its start page again.
    tab.goto(fresh_app.launch_url)
    expect(tab.get_by_test_id("nav-settings")).to_be_visible()
    tab.wait_for_load_state("networkidle")
    expect(wizard).to_have_count(0)
    page.assert_clean()


def test_the_wizard_can_be_skipped_and_reopened(page: PageWatch, fresh_app: AppProcess) -> None:
    tab = page.page
    tab.goto(fresh_app.launch_url)
    wizard = tab.get_by_test_id("welcome-view")
    expect(wizard).to_be_visible()
    tab.get_by_test_id("welcome-skip").click()
    expect(wizard).to_have_count(0)
    with fresh_app.client() as client:
        assert client.get("/api/settings").json()["first_run_done"] is True

    tab.get_by_test_id("nav-settings").click()
    tab.get_by_test_id("open-wizard").click()
    expect(wizard).to_have_attribute("data-step", "language")
    tab.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "safety")
    tab.get_by_test_id("welcome-back").click()
    expect(wizard).to_have_attribute("data-step", "language")
    page.assert_clean()


def test_after_too_many_wrong_pins_the_page_says_when_to_try_again(
    page: PageWatch, configured_app: AppProcess
) -> None:
    with configured_app.client() as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": "4711"}).status_code == 200
    tab = page.page
    open_settings(tab, configured_app)
    tab.get_by_test_id("safety-level-youth").click()
    for _ in range(5):
        tab.get_by_test_id("safety-pin").fill("0000")
        tab.get_by_test_id("safety-apply").click()
        expect(tab.get_by_test_id("safety-error")).to_contain_text("PIN stimmt nicht")
        expect(tab.get_by_test_id("safety-apply")).to_be_enabled()
    tab.get_by_test_id("safety-pin").fill("4711")
    tab.get_by_test_id("safety-apply").click()
    expect(tab.get_by_test_id("safety-error")).to_contain_text("Versuche es in")
    expect(tab.get_by_test_id("safety-current")).to_have_attribute("data-level", "kids")
    assert page.csp_violations() == []


def test_the_safety_check_model_needs_the_pin(page: PageWatch, configured_app: AppProcess) -> None:
    with configured_app.client() as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": "4711"}).status_code == 200
    tab = page.page
    open_settings(tab, configured_app)
    expect(tab.get_by_test_id("llm-pin-interception")).to_have_count(0)
    tab.get_by_test_id("llm-model-safety").fill("verdict-unsafe")
    tab.get_by_test_id("llm-save-safety").click()
    expect(tab.get_by_test_id("llm-stage-safety").get_by_role("alert")).to_contain_text("PIN")
    tab.get_by_test_id("llm-pin-safety").fill("4711")
    tab.get_by_test_id("llm-save-safety").click()
    expect(tab.get_by_test_id("llm-stage-safety").get_by_role("status").first).to_be_visible()
    with configured_app.client() as client:
        assert client.get("/api/settings").json()["llm"]["safety"]["model"] == "verdict-unsafe"
    assert page.csp_violations() == []
