"""The first-run wizard keeps what the teacher chose: setting the PIN does not undo a chosen (not yet
applied) safety level, and leaving a step with an unapplied change asks first. The ComfyUI panel
(wizard step and settings) never says "ready" while "No ComfyUI" is chosen."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.workshop_app import COMFYUI_TESTSERVER
from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppProcess]:
    with start_app(tmp_path / "app") as running:
        yield running


@pytest.fixture
def page(page_pool: PagePool) -> Iterator[Page]:
    with page_pool.page(width=1366, height=768, locale="en-US") as page:
        yield page


def test_setting_the_pin_keeps_the_chosen_level_and_leaving_unapplied_asks(
    app: AppProcess, page: Page
) -> None:
    page.goto(app.launch_url)  # a fresh data folder: the app opens the wizard
    wizard = page.get_by_test_id("welcome-view")
    expect(wizard).to_have_attribute("data-step", "language")
    page.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "safety")
    expect(page.get_by_test_id("safety-current")).to_have_attribute("data-level", "kids")

    youth = page.get_by_test_id("safety-level-youth").locator("input")
    youth.check()
    page.get_by_test_id("pin-new").fill("4711")
    page.get_by_test_id("pin-repeat").fill("4711")
    page.get_by_test_id("pin-save").click()
    expect(page.get_by_test_id("pin-saved")).to_be_visible()
    expect(page.get_by_test_id("pin-state")).to_have_attribute("data-set", "true")
    expect(youth).to_be_checked()

    # Leaving with the level chosen but not applied asks; "stay" keeps the step.
    page.get_by_test_id("welcome-next").click()
    expect(page.get_by_test_id("welcome-unapplied")).to_be_visible()
    expect(wizard).to_have_attribute("data-step", "safety")
    page.get_by_test_id("welcome-unapplied-stay").click()
    expect(page.get_by_test_id("welcome-unapplied")).to_have_count(0)
    expect(wizard).to_have_attribute("data-step", "safety")

    page.get_by_test_id("safety-pin").fill("4711")
    page.get_by_test_id("safety-apply").click()
    expect(page.get_by_test_id("safety-current")).to_have_attribute("data-level", "youth")
    page.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "where")
    expect(page.get_by_test_id("welcome-unapplied")).to_have_count(0)

    # "Leave without applying" goes on, and the level stays what was applied.
    page.get_by_test_id("welcome-back").click()
    expect(wizard).to_have_attribute("data-step", "safety")
    page.get_by_test_id("safety-level-kids").locator("input").check()
    page.get_by_test_id("welcome-next").click()
    page.get_by_test_id("welcome-unapplied-leave").click()
    expect(wizard).to_have_attribute("data-step", "where")
    with app.client() as client:
        assert client.get("/api/settings").json()["safety_level"] == "youth"


def test_no_comfyui_chosen_never_says_ready_and_explains_the_launch_override(
    tmp_path: Path, page: Page
) -> None:
    # Started with a ComfyUI on the command line, while the saved choice is "No ComfyUI".
    args = [f"--comfyui-dir={COMFYUI_TESTSERVER}", f"--comfyui-python={sys.executable}"]
    mark_set_up(tmp_path / "app")
    with start_app(tmp_path / "app", extra_args=args) as app:
        deadline = time.monotonic() + 90
        with app.client() as client:
            while client.get("/api/comfyui/status").json()["state"] != "ready":
                assert time.monotonic() < deadline, "the test ComfyUI never became ready"
                time.sleep(0.3)
            assert client.get("/api/settings").json()["comfyui"]["mode"] == "none"
        page.goto(app.launch_url)
        page.goto(f"{app.base_url}/settings")
        status = page.get_by_test_id("comfyui-status")
        expect(status).to_have_attribute("data-state", "unused")
        expect(status).not_to_contain_text(re.compile("ready", re.IGNORECASE))
        expect(page.get_by_test_id("comfyui-launch-override")).to_contain_text("--comfyui-dir")
        # Choosing "managed" shows the real state again.
        page.get_by_test_id("comfyui-mode-managed").click()
        expect(status).to_have_attribute("data-state", "ready")


def test_a_chosen_folder_is_checked_to_be_a_comfyui_installation(tmp_path: Path, page: Page) -> None:
    folder = tmp_path / "app"
    mark_set_up(folder)
    not_comfyui = tmp_path / "holiday-pictures"
    not_comfyui.mkdir()
    with start_app(folder) as app:
        page.goto(app.launch_url)
        page.goto(f"{app.base_url}/settings")
        page.get_by_test_id("comfyui-mode-managed").click()
        page.get_by_test_id("comfyui-folder-path").fill(str(not_comfyui))
        page.get_by_test_id("comfyui-folder-open").click()
        expect(page.get_by_test_id("comfyui-folder-listing")).to_be_visible()
        expect(page.get_by_test_id("comfyui-folder-not-installation")).to_contain_text("main.py")
        page.get_by_test_id("comfyui-folder-path").fill(str(COMFYUI_TESTSERVER))
        page.get_by_test_id("comfyui-folder-open").click()
        expect(page.get_by_test_id("comfyui-folder-listing")).to_contain_text("media")
        expect(page.get_by_test_id("comfyui-folder-not-installation")).to_have_count(0)
