"""Feedback while the language model writes: a working state at once, "round 2 of 5" with the
language for Telephone, and a Cancel button for every text step that stops the engine's answer."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.page_watch import PageWatch
from tests.browser.workshop_app import TEST_OUTPUT_ID, workshop_app
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import REPO_ROOT, AppProcess

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


def _open_workshop(page: Page, app: AppProcess, attitude: str) -> None:
    page.goto(app.launch_url)
    page.get_by_test_id(f"attitude-card-{attitude}").click()
    page.get_by_test_id("use-attitude").click()
    expect(page.get_by_test_id("workshop")).to_be_visible()


def _run_status(app: AppProcess, run_id: str) -> str:
    with app.client() as client:
        status: str = client.get(f"/api/runs/{run_id}").json()["status"]
        return status


def _wait_for(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the state never came"
        time.sleep(0.1)


def _engine_stopped(llm: TestServerProcess, marker: str) -> bool:
    """The test engine saw the client of the answer with ``marker`` go away before it finished."""
    records = httpx.get(f"{llm.root_url}/_control/requests").json()
    mine = [r for r in records if marker in str(r.get("body"))]
    return (
        bool(mine)
        and all(r["client_gone"] or r["completed"] for r in mine)
        and any(r["client_gone"] and not r["completed"] for r in mine)
    )


def test_telephone_says_which_round_in_which_language_and_cancel_stops_the_engine(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    with workshop_app(tmp_path, llm_server, {"interception": "slow-stream"}, comfyui=False) as app:
        _open_workshop(page, app, "telephone")
        idea = "Ein Drache telefoniert mit dem Mond"
        page.get_by_test_id("idea-box").fill(idea)
        with page.expect_response("**/api/interception") as answer:
            page.get_by_test_id("start").click()
        run_id = answer.value.json()["run_id"]
        working = page.get_by_test_id("interception-working")
        expect(working).to_be_visible()
        # The round being written and its language, in German, out of the attitude's rounds (the
        # label moves on while the rounds stream, so it is read as it stands).
        round_language = page.get_by_test_id("telephone-round-language").first
        expect(round_language).not_to_be_empty(timeout=TIMEOUT_MS)
        shipped_rounds = json.loads(
            (REPO_ROOT / "configs" / "interception" / "telephone.json").read_text("utf-8")
        )["recursion"]["rounds"]
        expect(working.get_by_test_id("working-label")).to_have_text(
            re.compile(rf"^Runde [1-9][0-9]* von {shipped_rounds} · \S.*$"), timeout=TIMEOUT_MS
        )
        page.get_by_test_id("interception-cancel").click()
        expect(working).to_have_count(0, timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("interception-cancelled")).to_be_visible()
        _wait_for(lambda: _run_status(app, run_id) == "cancelled")
        _wait_for(lambda: _engine_stopped(llm_server, idea))
        small_page.assert_clean()


def test_optimization_shows_its_work_and_can_be_cancelled(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    with workshop_app(tmp_path, llm_server, {"optimization": "slow-stream"}) as app:
        _open_workshop(page, app, "dada")
        page.get_by_test_id("idea-box").fill("Ein Fahrrad aus Wolken")
        page.get_by_test_id("start").click()
        expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("interception-working")).to_have_count(0, timeout=TIMEOUT_MS)
        page.get_by_test_id(f"output-{TEST_OUTPUT_ID}").click()
        working = page.get_by_test_id("optimization-working")
        expect(working).to_be_visible()
        expect(working.get_by_test_id("working-label")).to_have_text(
            "Die KI passt den Text an das Modell an …", timeout=TIMEOUT_MS
        )
        page.get_by_test_id("optimization-cancel").click()
        expect(working).to_have_count(0, timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("optimization-cancelled")).to_be_visible()
        small_page.assert_clean()
