"""The settings page under a lab policy, and the diagnostics download, in real Chromium.

Needs the built UI: ``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser

StartWithPolicy = Callable[[dict[str, object]], AppProcess]


@pytest.fixture
def app_with_policy(tmp_path: Path) -> Iterator[StartWithPolicy]:
    started: list[AppProcess] = []

    def start(policy: dict[str, object]) -> AppProcess:
        policy_file = tmp_path / "etc" / "policy.json"
        policy_file.parent.mkdir(parents=True, exist_ok=True)
        policy_file.write_text(json.dumps(policy), encoding="utf-8")
        data_dir = tmp_path / f"app{len(started)}"
        mark_set_up(data_dir)
        app = start_app(data_dir, env={"AI4ARTSED_POLICY_FILE": str(policy_file)})
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()


@pytest.fixture
def tab(page_pool: PagePool) -> Iterator[Page]:
    with page_pool.page(width=1280, height=900, locale="en-US") as page:
        yield page


def open_settings(tab: Page, app: AppProcess) -> None:
    tab.goto(app.launch_url)
    tab.get_by_test_id("nav-settings").click()
    expect(tab.get_by_test_id("settings-view")).to_be_visible()


def test_settings_fixed_by_the_policy_are_shown_locked(tab: Page, app_with_policy: StartWithPolicy) -> None:
    app = app_with_policy({"safety_level": "youth", "offline": True})
    open_settings(tab, app)
    safety = tab.get_by_test_id("safety-panel")
    expect(safety).to_have_attribute("data-locked", "true")
    expect(safety.get_by_test_id("policy-lock")).to_contain_text("Administration dieses Computers")
    expect(safety.get_by_test_id("safety-current")).to_have_attribute("data-level", "youth")
    expect(safety.get_by_test_id("safety-level-kids")).to_be_disabled()
    offline = tab.get_by_test_id("offline-mode-panel")
    expect(offline.get_by_test_id("policy-lock")).to_be_visible()
    # What the policy does not name stays open.
    expect(tab.get_by_test_id("pin-panel")).to_have_attribute("data-locked", "false")
    expect(tab.get_by_test_id("model-folders-panel")).to_have_attribute("data-locked", "false")


def test_a_policy_can_hide_the_settings_but_language_and_diagnostics(
    tab: Page, app_with_policy: StartWithPolicy
) -> None:
    app = app_with_policy({"hide_settings": True})
    open_settings(tab, app)
    expect(tab.get_by_test_id("settings-hidden")).to_be_visible()
    expect(tab.get_by_test_id("safety-panel")).to_have_count(0)
    expect(tab.get_by_test_id("offline-mode-panel")).to_have_count(0)
    expect(tab.get_by_test_id("diagnostics")).to_be_visible()


def test_the_diagnostics_button_downloads_the_zip(
    tab: Page, app_with_policy: StartWithPolicy, tmp_path: Path
) -> None:
    app = app_with_policy({"offline": True})
    open_settings(tab, app)
    with tab.expect_download() as info:
        tab.get_by_test_id("diagnostics-download").click()
    download = info.value
    assert download.suggested_filename.startswith("ai4artsed-diagnostics-")
    assert download.suggested_filename.endswith(".zip")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        assert "README.txt" in names
        assert "logs/app.log" in names, names
        policy_parts = [name for name in names if "policy" in name]
        assert policy_parts, names
        assert '"offline"' in archive.read(policy_parts[0]).decode("utf-8")
