"""The settings page's ComfyUI pool panel in real Chromium against the real app and a real machine.

A test-server machine behind a proxy that wants a login header: the teacher adds it with the header,
sees it become ready, never sees the header's value again (page, settings API), and removes it.
Needs the built UI: ``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import PageWatch, watched_page
from tests.browser.test_settings_page import configured_app, open_settings  # noqa: F401 (fixture)
from tests.comfyui_pool.machines import HeaderProxy, TestMachine
from tests.support.app_process import AppProcess
from tests.support.browser import PagePool

pytestmark = pytest.mark.browser

SECRET = "Basic c2NodWxlOmdlaGVpbTEyMw=="


@pytest.fixture
def page(page_pool: PagePool) -> Iterator[PageWatch]:
    with watched_page(page_pool, 1280, 1400, "en-GB") as watch:
        yield watch


@pytest.fixture
def proxied_machine(tmp_path: Path) -> Iterator[HeaderProxy]:
    machine = TestMachine(tmp_path / "machine", checkpoints=("apple.safetensors",)).start()
    proxy = HeaderProxy(machine.port, "Authorization", SECRET)
    yield proxy
    proxy.close()
    machine.kill()


def test_a_teacher_adds_a_machine_sees_it_ready_and_removes_it(
    page: PageWatch,
    configured_app: AppProcess,  # noqa: F811 (the fixture)
    proxied_machine: HeaderProxy,
) -> None:
    tab = page.page
    open_settings(tab, configured_app)
    panel = tab.get_by_test_id("comfyui-pool")
    panel.scroll_into_view_if_needed()
    expect(panel.get_by_test_id("comfyui-pool-machine").filter(has_text="GPU server")).to_have_count(0)

    panel.get_by_test_id("comfyui-pool-add").click()
    row = panel.locator("fieldset").last
    row.locator("input[type=url]").fill(proxied_machine.url)
    row.locator("input[type=text]").first.fill("GPU server")
    row.locator("input[type=text]").last.fill("Authorization")
    row.locator("input[type=password]").fill(SECRET)
    panel.get_by_test_id("comfyui-pool-save").click()
    expect(panel.get_by_role("status")).to_be_visible()

    # Its state shows: the proxy let the app in with the header, so the machine is ready.
    machine = panel.get_by_test_id("comfyui-pool-machine").filter(has_text="GPU server")
    expect(machine).to_have_attribute("data-state", "ready", timeout=60_000)
    # Its model files are listed (the cell's title names each one).
    expect(machine.locator("td").last).to_have_attribute("title", re.compile(r"apple\.safetensors"))
    assert proxied_machine.accepted > 0

    # The header's value is never shown back: not after a reload, not by the settings API.
    tab.reload()
    open_settings(tab, configured_app)
    panel = tab.get_by_test_id("comfyui-pool")
    row = panel.locator("fieldset").last
    expect(row.locator("input[type=url]")).to_have_value(proxied_machine.url)
    expect(row.locator("input[type=password]")).to_have_value("")
    assert SECRET not in tab.content()
    with configured_app.client() as client:
        settings = client.get("/api/settings").text
    assert SECRET not in settings and "Authorization" in settings

    # Removed: gone from the list and from the pool.
    row.get_by_role("button").click()
    panel.get_by_test_id("comfyui-pool-save").click()
    expect(panel.locator("fieldset")).to_have_count(0)
    expect(panel.get_by_test_id("comfyui-pool-machine").filter(has_text="GPU server")).to_have_count(
        0, timeout=30_000
    )
    page.assert_clean()
