"""Feedback while the language model writes: a working state at once, "round 2 of 5" with the
language for Telephone, and a Cancel button for every text step that stops the engine's answer."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.page_watch import PageWatch
from tests.browser.workshop_app import TEST_OUTPUT_ID, workshop_app
from tests.llm_testserver.process import TestServerProcess
from tests.support import loopback_http
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


def _wait_for(check: Any, timeout: float = 30.0, what: Any = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"the state never came {what()}"
        time.sleep(0.1)


def _engine_requests(llm: TestServerProcess) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = loopback_http.get(f"{llm.root_url}/_control/requests").json()
    return records


def _engine_stopped(llm: TestServerProcess, since: int) -> bool:
    """The test engine saw the client of this run's last answer go away before it finished.

    ``since``: how many requests the engine had seen before the run started (tests of one file run one
    after the other, so every later request is this run's; a Telephone round's request carries the
    previous round's text, not the idea, so the idea cannot mark them)."""
    mine = _engine_requests(llm)[since:]
    return (
        bool(mine)
        and all(r["client_gone"] or r["completed"] for r in mine)
        and any(r["client_gone"] and not r["completed"] for r in mine)
    )


def test_telephone_says_which_round_in_which_language_and_cancel_stops_the_engine(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # held-stream, never released: round 1 stops mid-way, so Cancel necessarily cuts the engine's answer
    # (with a stream that merely runs slowly, a busy machine let the engine finish first).
    llm_server.reset()
    with workshop_app(tmp_path, llm_server, {"interception": "held-stream"}, comfyui=False) as app:
        _open_workshop(page, app, "telephone")
        idea = "Ein Drache telefoniert mit dem Mond"
        page.get_by_test_id("idea-box").fill(idea)
        requests_before = len(_engine_requests(llm_server))
        with page.expect_response("**/api/interception") as answer:
            page.get_by_test_id("start").click()
        run_id = answer.value.json()["run_id"]
        working = page.get_by_test_id("interception-working")
        expect(working).to_be_visible()
        # The first round's language, in German, out of the attitude's rounds; Cancel is pressed while
        # that first round is still being written.
        round_language = page.get_by_test_id("telephone-round-language").first
        expect(round_language).not_to_be_empty(timeout=TIMEOUT_MS)
        language = round_language.inner_text().strip()
        shipped_rounds = json.loads(
            (REPO_ROOT / "configs" / "interception" / "telephone.json").read_text("utf-8")
        )["recursion"]["rounds"]
        expect(working.get_by_test_id("working-label")).to_have_text(
            f"Runde 1 von {shipped_rounds} · {language}", timeout=TIMEOUT_MS
        )
        # The label shows as the round starts, which can be before its request reaches the engine:
        # Cancel once the engine holds round 1's answer, so there is an answer to cut.
        _wait_for(lambda: any(r["held"] for r in _engine_requests(llm_server)[requests_before:]))
        page.get_by_test_id("interception-cancel").click()
        expect(working).to_have_count(0, timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("interception-cancelled")).to_be_visible()
        _wait_for(lambda: _run_status(app, run_id) == "cancelled")
        _wait_for(
            lambda: _engine_stopped(llm_server, requests_before),
            what=lambda: [
                {k: r[k] for k in ("path", "pieces_sent", "completed", "client_gone", "held", "hold_expired")}
                | {"model": (r["body"] or {}).get("model")}
                for r in _engine_requests(llm_server)[requests_before:]
            ],
        )
        small_page.assert_clean()


def test_optimization_shows_its_work_and_can_be_cancelled(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # held-stream, never released: the optimization cannot finish before Cancel is pressed.
    llm_server.reset()
    with workshop_app(tmp_path, llm_server, {"optimization": "held-stream"}) as app:
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
