"""The test-model notice, once dismissed, stays dismissed for that version: after a reload and after
the app's next start; a new version shows it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.app_process import start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser

CODE = "llm_test_grade_model"


def test_a_dismissed_test_model_notice_stays_dismissed_for_this_version(
    tmp_path: Path, page_pool: PagePool
) -> None:
    folder = tmp_path / "app"
    mark_set_up(folder)
    with page_pool.page(width=1366, height=768, locale="de-DE") as page:
        notice = page.locator(f'[data-testid="notice"][data-code="{CODE}"]')
        with start_app(folder) as app:
            page.goto(app.launch_url)
            expect(notice).to_be_visible()
            with page.expect_response("**/api/system/notices/dismiss") as answer:
                notice.get_by_role("button").click()
            assert answer.value.ok
            expect(notice).to_have_count(0)
            page.reload()
            expect(page.get_by_test_id("start-view")).to_be_visible()
            expect(notice).to_have_count(0)
        with start_app(folder) as app:
            page.goto(app.launch_url)
            expect(page.get_by_test_id("start-view")).to_be_visible()
            expect(notice).to_have_count(0)
            with app.client() as client:
                codes = [n["code"] for n in client.get("/api/system/info").json()["notices"]]
                assert CODE not in codes
            # A dismissal made in another version does not hold. The app reads the record on every
            # look (no third start needed): the file as an older version of the app left it.
            stored = folder / "config" / "dismissed_notices.json"
            record = json.loads(stored.read_text("utf-8"))
            stored.write_text(json.dumps({**record, "version": "0.0.0-older"}), "utf-8")
            page.reload()
            expect(notice).to_be_visible()
