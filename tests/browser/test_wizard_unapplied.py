"""Every wizard step with an apply or save button asks before its unapplied change is left behind:
by next, back, skip or another page through the router. "Stay" keeps the change on screen,
"leave" goes on without it (nothing reaches the settings)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool

pytestmark = pytest.mark.browser

URL = "http://127.0.0.2:8188"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppProcess]:
    with start_app(tmp_path / "app") as running:
        yield running


@pytest.fixture
def page(page_pool: PagePool) -> Iterator[Page]:
    with page_pool.page(width=1366, height=768, locale="en-US") as page:
        yield page


def _to_comfyui_step(page: Page) -> None:
    wizard = page.get_by_test_id("welcome-view")
    for step in ("language", "safety", "where"):
        expect(wizard).to_have_attribute("data-step", step)
        page.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "comfyui")


def _choose_an_address(page: Page) -> None:
    page.get_by_test_id("comfyui-mode-external").click()
    page.get_by_test_id("comfyui-url").fill(URL)
    expect(page.get_by_test_id("comfyui-save")).to_be_enabled()


def test_an_unsaved_comfyui_choice_asks_before_next_skip_and_another_page(
    app: AppProcess, page: Page
) -> None:
    with app.client() as client:
        saved_mode = client.get("/api/settings").json()["comfyui"]["mode"]
    assert saved_mode != "external"
    page.goto(app.launch_url)  # a fresh data folder: the app opens the wizard
    wizard = page.get_by_test_id("welcome-view")
    question = page.get_by_test_id("welcome-unapplied")
    _to_comfyui_step(page)
    _choose_an_address(page)

    # Next asks; "stay" keeps the step and the typed address.
    page.get_by_test_id("welcome-next").click()
    expect(question).to_be_visible()
    expect(question).to_contain_text("nicht übernommen")  # the app starts in German
    expect(page.get_by_test_id("welcome-unapplied-stay")).to_be_focused()
    expect(wizard).to_have_attribute("data-step", "comfyui")
    page.get_by_test_id("welcome-unapplied-stay").click()
    expect(question).to_have_count(0)
    expect(page.get_by_test_id("comfyui-url")).to_have_value(URL)

    # Skip asks too, and so does another page reached through the router.
    page.get_by_test_id("welcome-skip").click()
    expect(question).to_be_visible()
    page.get_by_test_id("welcome-unapplied-stay").click()
    page.get_by_test_id("nav-models").click()
    expect(question).to_be_visible()
    expect(page).to_have_url(f"{app.base_url}/welcome")
    page.get_by_test_id("welcome-unapplied-stay").click()
    expect(page.get_by_test_id("comfyui-url")).to_have_value(URL)

    # "Leave" goes on without the change: back on the step, the saved choice shows again.
    page.get_by_test_id("welcome-next").click()
    page.get_by_test_id("welcome-unapplied-leave").click()
    expect(wizard).to_have_attribute("data-step", "models")
    expect(question).to_have_count(0)
    page.get_by_test_id("welcome-back").click()
    expect(wizard).to_have_attribute("data-step", "comfyui")
    expect(page.get_by_test_id(f"comfyui-mode-{saved_mode}").locator("input")).to_be_checked()
    expect(page.get_by_test_id("comfyui-url")).to_have_count(0)

    # Leaving for another page: "leave" follows the link the teacher clicked.
    _choose_an_address(page)
    page.get_by_test_id("nav-models").click()
    page.get_by_test_id("welcome-unapplied-leave").click()
    expect(page).to_have_url(f"{app.base_url}/models")
    with app.client() as client:
        assert client.get("/api/settings").json()["comfyui"]["mode"] == saved_mode


def test_an_unsaved_language_model_choice_asks_before_back(app: AppProcess, page: Page) -> None:
    page.goto(app.launch_url)
    wizard = page.get_by_test_id("welcome-view")
    _to_comfyui_step(page)
    page.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "models")
    page.get_by_test_id("welcome-next").click()
    expect(wizard).to_have_attribute("data-step", "test")
    model = page.get_by_test_id("llm-model-interception")
    expect(model).to_be_visible()
    model.fill("another-model")
    page.get_by_test_id("welcome-back").click()
    expect(page.get_by_test_id("welcome-unapplied")).to_be_visible()
    page.get_by_test_id("welcome-unapplied-stay").click()
    expect(model).to_have_value("another-model")
    page.get_by_test_id("welcome-back").click()
    page.get_by_test_id("welcome-unapplied-leave").click()
    expect(wizard).to_have_attribute("data-step", "models")
