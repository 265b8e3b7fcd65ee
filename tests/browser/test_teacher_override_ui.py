"""The teacher's override of a "needs review" block in the workshop: the block offers "Teacher: let
this idea through", the dialog asks for the PIN, a wrong PIN is refused in the dialog, the right one
runs the step again for this run, and the transparency view shows the override. A block-list hit
offers nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import PageWatch
from tests.browser.test_workshop_loop import STREAM_TIMEOUT_MS, _open_workshop, _start, _wait_for_run
from tests.browser.workshop_app import workshop_app
from tests.llm_testserver.process import TestServerProcess

pytestmark = pytest.mark.browser

PIN = "2468"


def test_the_teacher_lets_a_needs_review_block_through_with_the_pin(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # Blocks, the override and the transparency view of a run without a picture: no ComfyUI needed.
    with workshop_app(tmp_path, llm_server, comfyui=False) as app:
        with app.client() as client:
            assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
        _open_workshop(page, app, "dada")

        # A block-list hit: no way through.
        page.get_by_test_id("idea-box").fill("Ein Hakenkreuz an der Wand")
        _start(page)
        blocked = page.get_by_test_id("interception-blocked")
        expect(blocked).to_be_visible(timeout=STREAM_TIMEOUT_MS)
        expect(blocked.get_by_test_id("override-open")).to_have_count(0)

        # A word that needs context, no capable checker: blocked, and the teacher may let it through.
        page.get_by_test_id("idea-box").fill("Zombies tanzen im Park")
        run_id = _start(page)
        _wait_for_run(app, run_id, lambda run: run["status"] == "blocked")
        expect(blocked.get_by_test_id("override-open")).to_be_visible(timeout=STREAM_TIMEOUT_MS)
        blocked.get_by_test_id("override-open").click()
        dialog = page.get_by_test_id("override-dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_test_id("override-pin").fill("0000")
        dialog.get_by_test_id("override-confirm").click()
        expect(dialog.get_by_test_id("override-error")).to_contain_text("PIN")
        expect(blocked).to_be_visible()
        dialog.get_by_test_id("override-pin").fill(PIN)
        dialog.get_by_test_id("override-confirm").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_test_id("interception-box")).to_have_value(
            "echo: Zombies tanzen im Park", timeout=STREAM_TIMEOUT_MS
        )
        expect(page.get_by_test_id("interception-blocked")).to_have_count(0)
        record = _wait_for_run(app, run_id, lambda run: run["status"] == "complete")
        assert [o["who"] for o in record["teacher_overrides"]] == ["teacher PIN"]

        # The transparency view shows who let it through and which words.
        page.goto(f"{app.base_url}/gallery/{run_id}")
        override = page.get_by_test_id("detail-override")
        expect(override).to_contain_text("teacher PIN")
        expect(override).to_contain_text(record["teacher_overrides"][0]["terms"][0])
        expect(page.get_by_test_id("detail-verdict-overridden").first).to_be_visible()
        # The wrong PIN's 403 is the one console line Chromium writes; nothing else went wrong.
        assert all("403" in error for error in small_page.errors), small_page.errors
        assert small_page.csp_violations() == []
