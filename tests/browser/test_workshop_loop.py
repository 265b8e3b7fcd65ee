"""The creative loop in real Chromium against the real app, with every LLM stage on the
OpenAI-compatible test server: idea -> Start -> streamed interception -> model -> optimized text;
a safety block; failed steps; the Telephone game's rounds.

The window is 960x640, the smallest the workshop is made for. Needs the built UI:
``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from server.i18n.translator import Translator
from tests.browser.page_watch import PageWatch, watched_page
from tests.browser.workshop_app import TEST_OUTPUT_ID, workshop_app
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import REPO_ROOT, AppProcess, free_port
from tests.support.browser import PagePool

pytestmark = pytest.mark.browser

STREAM_TIMEOUT_MS = 30_000
# Every piece of the test server's 40-piece stream exactly once, in order (whitespace as it comes).
# held-stream holds it before piece 10 and before piece 30, each until the test releases it.
ALL_FORTY_PIECES = re.compile(r"^\s*" + r"\s+".join(f"piece{index}" for index in range(40)) + r"\s*$")


def _context_of(attitude: str) -> dict[str, str]:
    data = json.loads((REPO_ROOT / "configs" / "interception" / f"{attitude}.json").read_text("utf-8"))
    context: dict[str, str] = data["context"]
    return context


def _run(app: AppProcess, run_id: str) -> dict[str, Any]:
    with app.client() as client:
        response = client.get(f"/api/runs/{run_id}")
        response.raise_for_status()
        record: dict[str, Any] = response.json()
        return record


def _wait_for_run(app: AppProcess, run_id: str, check: Any, timeout: float = 15.0) -> dict[str, Any]:
    """The run record once ``check(record)`` holds (records are written as the job goes)."""
    deadline = time.monotonic() + timeout
    while True:
        record = _run(app, run_id)
        if check(record):
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"the run never reached the expected state: {json.dumps(record)[:2000]}")
        time.sleep(0.1)


def _open_workshop(page: Page, app: AppProcess, attitude: str) -> None:
    """From the catalog: choose an attitude, then "use this attitude"."""
    page.goto(app.launch_url)
    page.get_by_test_id(f"attitude-card-{attitude}").click()
    page.get_by_test_id("use-attitude").click()
    expect(page.get_by_test_id("workshop")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/create/{re.escape(attitude)}$"))


def _start(page: Page) -> str:
    """Presses Start; returns the id of the run it created."""
    with page.expect_response("**/api/interception") as answer:
        page.get_by_test_id("start").click()
    assert answer.value.status == 202
    run_id: str = answer.value.json()["run_id"]
    return run_id


@pytest.fixture
def streaming_app(tmp_path: Path, llm_server: TestServerProcess) -> Iterator[AppProcess]:
    # held-stream: the interception stops twice mid-way until released, so it can be watched as it
    # grows; releases count from this reset.
    llm_server.reset()
    with workshop_app(tmp_path, llm_server, {"interception": "held-stream"}) as app:
        yield app


@pytest.fixture
def streaming_app_without_comfyui(tmp_path: Path, llm_server: TestServerProcess) -> Iterator[AppProcess]:
    """``streaming_app`` for tests that end at the interception: no ComfyUI child to start and
    supervise (its CPU is most of what such a test costs beyond the browser)."""
    llm_server.reset()
    with workshop_app(tmp_path, llm_server, {"interception": "held-stream"}, comfyui=False) as app:
        yield app


def test_idea_to_streamed_interception_to_edited_optimization(
    streaming_app: AppProcess, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    app = streaming_app
    _open_workshop(page, app, "dada")
    expect(page.get_by_test_id("attitude-banner-name")).to_have_text("Dada")
    expect(page.get_by_test_id("nav-workshop")).to_have_attribute("aria-current", "page")

    # The rules box holds the attitude's rules in the UI language; they can be changed and reset.
    context = _context_of("dada")
    rules = page.get_by_test_id("rules-box")
    expect(rules).to_have_value(context["de"])
    expect(page.get_by_test_id("rules-reset")).to_be_disabled()
    rules.fill("Nur Wörter mit A.")
    page.get_by_test_id("rules-reset").click()
    expect(rules).to_have_value(context["de"])
    expect(rules).to_be_focused()

    # Start without an idea asks for one, and nothing is sent.
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("idea-missing")).to_be_visible()
    expect(page.get_by_test_id("idea-box")).to_be_focused()
    expect(page.get_by_test_id("step-interception")).to_have_count(0)

    page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
    expect(page.get_by_test_id("idea-missing")).to_have_count(0)
    page.get_by_test_id("start").focus()
    with page.expect_response("**/api/interception") as answer:
        page.keyboard.press("Enter")
    run_id = answer.value.json()["run_id"]

    # The stages show, and the text streams in word by word: it grows while the job runs (the engine
    # holds its answer after piece 9 and after piece 29 until released).
    step = page.get_by_test_id("step-interception")
    expect(step.locator('[data-stage="safety_input"]')).to_have_attribute("data-state", "done")
    streaming = page.get_by_test_id("interception-box-streaming")
    expect(streaming).to_contain_text("piece5", timeout=STREAM_TIMEOUT_MS)
    early = streaming.inner_text().strip()
    expect(page.get_by_test_id("start")).to_have_attribute("aria-busy", "true")
    expect(step.locator('[data-stage="interception"]')).to_have_attribute("data-state", "current")
    llm_server.release_held_streams()
    expect(streaming).to_contain_text("piece25", timeout=STREAM_TIMEOUT_MS)
    later = streaming.inner_text().strip()
    assert len(later) > len(early) and later.startswith(early), (early, later)
    llm_server.release_held_streams()

    # Then it is an editable box, with the focus in it; every piece arrived exactly once.
    box = page.get_by_test_id("interception-box")
    expect(box).to_be_visible(timeout=STREAM_TIMEOUT_MS)
    expect(box).to_be_focused()
    expect(box).to_have_value(ALL_FORTY_PIECES, timeout=STREAM_TIMEOUT_MS)
    expect(page.get_by_test_id("start")).not_to_have_attribute("aria-busy", "true")
    expect(page.get_by_test_id("generate")).to_have_count(0)

    # The student edits the interception, then picks a model: exactly the box's text is optimized.
    edited = "Ein rotes Fahrrad fliegt über das Meer"
    box.fill(edited)
    page.get_by_test_id(f"output-{TEST_OUTPUT_ID}").click()
    optimized = page.get_by_test_id("optimized-box")
    expect(optimized).to_have_value(f"echo: {edited}", timeout=STREAM_TIMEOUT_MS)
    expect(optimized).to_be_focused()
    expect(page.get_by_test_id(f"output-{TEST_OUTPUT_ID}")).to_have_attribute("aria-pressed", "true")
    record = _wait_for_run(app, run_id, lambda run: len(run["optimizations"]) == 1)
    assert record["optimizations"][-1]["input"] == edited
    assert record["optimizations"][-1]["output_id"] == TEST_OUTPUT_ID
    assert record["optimizations"][-1]["applied"] is True

    # The optimized text is editable too.
    optimized.fill("Fahrrad, Meer, Flug")
    expect(optimized).to_have_value("Fahrrad, Meer, Flug")
    expect(page.get_by_test_id("generate")).to_be_enabled()

    # Clicking the same model again runs the optimization again (on the box as it is now).
    box.fill("Ein blaues Boot")
    page.get_by_test_id(f"output-{TEST_OUTPUT_ID}").click()
    expect(optimized).to_have_value("echo: Ein blaues Boot", timeout=STREAM_TIMEOUT_MS)
    record = _wait_for_run(app, run_id, lambda run: len(run["optimizations"]) == 2)
    assert record["optimizations"][-1]["input"] == "Ein blaues Boot"

    # A model without an optimization instruction passes the text through, without any notice.
    page.get_by_test_id("output-selftest_image").click()
    expect(optimized).to_have_value("Ein blaues Boot", timeout=STREAM_TIMEOUT_MS)
    record = _wait_for_run(app, run_id, lambda run: len(run["optimizations"]) == 3)
    assert record["optimizations"][-1]["applied"] is False
    output_step = page.get_by_test_id("step-output")
    expect(output_step.locator('[role="alert"], [role="status"], [data-testid$="-failed"]')).to_have_count(0)
    for word in ("unverändert", "nicht angepasst", "unchanged"):
        expect(output_step).not_to_contain_text(word)

    # Everything fits the 960 px wide window (nothing to scroll sideways).
    assert page.evaluate("document.documentElement.scrollWidth") <= 960

    # Editing an earlier box leaves the later ones; acting again (Start) replaces them.
    page.get_by_test_id("idea-box").fill("Ein Straßenfest im Schnee")
    expect(optimized).to_be_visible()
    # The new interception is held again (releases count from the reset) while the later boxes are
    # checked: once it is written, the output step comes back with the model list.
    llm_server.reset()
    _start(page)
    expect(page.get_by_test_id("optimized-box")).to_have_count(0)
    expect(page.get_by_test_id("step-output")).to_have_count(0)
    llm_server.release_held_streams(times=2)
    expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=STREAM_TIMEOUT_MS)

    # Rules the student left alone follow the language switch; the page speaks English.
    page.get_by_test_id("lang-en").click()
    expect(rules).to_have_value(context["en"])
    expect(page.get_by_test_id("step-idea").get_by_role("heading", level=2)).to_contain_text("Idea and rules")

    small_page.assert_clean()


def test_kids_block_shows_the_explanation_and_stops(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # Ends at the interception: no ComfyUI needed.
    with workshop_app(tmp_path, llm_server, comfyui=False) as app:
        llm_server.reset()
        _open_workshop(page, app, "dada")
        page.get_by_test_id("idea-box").fill("Ein Hakenkreuz an der Wand")
        run_id = _start(page)

        blocked = page.get_by_test_id("interception-blocked")
        expect(blocked).to_be_visible(timeout=STREAM_TIMEOUT_MS)
        record = _wait_for_run(app, run_id, lambda run: run["status"] == "blocked")
        code = record["safety"][-1]["explanation_code"]
        assert code, record["safety"]
        expect(blocked.get_by_test_id("problem-message")).to_have_text(Translator().translate(code, "de"))
        # A calm explanation, not an error: no retry, the flow stops, focus is on the explanation.
        expect(blocked).to_have_attribute("role", "status")
        expect(blocked.get_by_test_id("retry")).to_have_count(0)
        expect(blocked).to_be_focused()
        step = page.get_by_test_id("step-interception")
        expect(step.locator('[data-stage="safety_input"]')).to_have_attribute("data-state", "stopped")
        expect(page.get_by_test_id("interception-box")).to_have_count(0)
        expect(page.get_by_test_id("step-output")).to_have_count(0)
        # The term list decided: no language model was asked.
        assert llm_server.requests() == []

        # A harmless idea goes on again.
        page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
        _start(page)
        expect(page.get_by_test_id("interception-box")).to_have_value(
            "echo: Ein Straßenfest im Regen", timeout=STREAM_TIMEOUT_MS
        )
        expect(page.get_by_test_id("interception-blocked")).to_have_count(0)
        small_page.assert_clean()


def test_failed_interception_says_what_to_do_and_can_be_retried(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # Ends at the interception: no ComfyUI needed.
    with workshop_app(tmp_path, llm_server, {"interception": "error-500"}, comfyui=False) as app:
        _open_workshop(page, app, "bauhaus")
        page.get_by_test_id("idea-box").fill("Ein Stuhl")
        run_id = _start(page)

        failed = page.get_by_test_id("interception-failed")
        expect(failed).to_be_visible(timeout=STREAM_TIMEOUT_MS)
        record = _wait_for_run(app, run_id, lambda run: run["status"] == "failed")
        error = record["error"]
        assert error["code"] == "llm.server_error", error
        expect(failed.get_by_test_id("problem-message")).to_have_text(
            Translator().translate(error["code"], "de", error["params"])
        )
        expect(failed).to_contain_text("HTTP 500")
        expect(failed).to_be_focused()

        # Try again: a new attempt (a new run), which here fails the same way.
        with page.expect_response("**/api/interception") as answer:
            failed.get_by_test_id("retry").click()
        assert answer.value.json()["run_id"] != run_id
        expect(page.get_by_test_id("interception-failed")).to_be_visible(timeout=STREAM_TIMEOUT_MS)
        small_page.assert_clean()


def test_failed_optimization_on_an_unreachable_server_says_what_to_do(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # The optimization stage points at a port where nothing listens.
    nowhere = f"http://127.0.0.1:{free_port()}/v1"
    with workshop_app(tmp_path, llm_server, base_urls={"optimization": nowhere}) as app:
        _open_workshop(page, app, "bauhaus")
        page.get_by_test_id("idea-box").fill("Ein Stuhl")
        run_id = _start(page)
        expect(page.get_by_test_id("interception-box")).to_have_value(
            "echo: Ein Stuhl", timeout=STREAM_TIMEOUT_MS
        )
        page.get_by_test_id(f"output-{TEST_OUTPUT_ID}").click()
        failed = page.get_by_test_id("optimization-failed")
        expect(failed).to_be_visible(timeout=STREAM_TIMEOUT_MS)
        record = _wait_for_run(app, run_id, lambda run: run["status"] == "failed")
        error = record["error"]
        assert error["code"] == "llm.server_unreachable", error
        expect(failed.get_by_test_id("problem-message")).to_have_text(
            Translator().translate(error["code"], "de", error["params"])
        )
        expect(page.get_by_test_id("generate")).to_have_count(0)
        expect(failed.get_by_test_id("retry")).to_be_visible()
        small_page.assert_clean()


def test_telephone_shows_every_round_and_ends_in_the_students_language(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # No ComfyUI: the outputs are offered but disabled, with the reason and where to fix it.
    # held-stream: round 1 is held mid-way until released (releases count from this reset).
    llm_server.reset()
    with workshop_app(tmp_path, llm_server, {"interception": "held-stream"}, comfyui=False) as app:
        _open_workshop(page, app, "telephone")
        page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
        run_id = _start(page)

        rounds = page.get_by_test_id("telephone-round")
        # Round by round, as it happens: the first round streams while the others are still to come.
        expect(rounds.first.get_by_test_id("telephone-round-text")).to_contain_text(
            "piece3", timeout=STREAM_TIMEOUT_MS
        )
        shipped_rounds = json.loads(
            (REPO_ROOT / "configs" / "interception" / "telephone.json").read_text("utf-8")
        )["recursion"]["rounds"]
        assert rounds.count() < shipped_rounds
        expect(rounds.first.get_by_test_id("telephone-round-language")).not_to_be_empty()
        # Both holds released: round 1 ends and the later rounds run without holds.
        llm_server.release_held_streams(times=2)

        box = page.get_by_test_id("interception-box")
        expect(box).to_be_visible(timeout=60_000)
        expect(rounds).to_have_count(shipped_rounds)
        record = _wait_for_run(app, run_id, lambda run: run["status"] == "complete")
        recorded = record["interception"]["rounds"]
        assert [round_["language"] for round_ in recorded][-1] == "de"
        languages = json.loads((REPO_ROOT / "configs" / "languages.json").read_text("utf-8"))["languages"]
        for index, round_ in enumerate(recorded):
            item = rounds.nth(index)
            expect(item).to_have_attribute("data-language", round_["language"])
            expect(item.get_by_test_id("telephone-round-language")).to_have_text(
                languages[round_["language"]]["name"]["de"]
            )
            expect(item.get_by_test_id("telephone-round-text")).to_have_text(round_["text"].strip())
        expect(box).to_have_value(record["interception"]["output"])

        # Outputs without a ComfyUI: folded into one line that opens a compact list; the reason they
        # all share is said once, with where a teacher fixes it.
        expect(page.get_by_test_id(f"output-{TEST_OUTPUT_ID}")).to_have_count(0)
        page.get_by_test_id("outputs-more-toggle").click()
        expect(page.get_by_test_id(f"output-unavailable-{TEST_OUTPUT_ID}")).to_contain_text("braucht ComfyUI")
        shared = page.get_by_test_id("outputs-shared-reasons")
        expect(shared.locator('[data-code="output_needs_comfyui"]')).to_have_count(1)
        expect(shared.locator('[data-code="output_needs_comfyui"]')).to_contain_text(
            Translator().translate("output_needs_comfyui", "de")
        )
        expect(shared.get_by_test_id("output-fix")).to_contain_text("Einstellungen")
        small_page.assert_clean()


def test_unknown_attitude_leads_back_to_the_catalog(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # Only the catalog and the unknown attitude's page: no ComfyUI needed.
    with workshop_app(tmp_path, llm_server, comfyui=False) as app:
        page.goto(app.launch_url)
        expect(page.get_by_test_id("start-view")).to_be_visible()
        page.goto(f"{app.base_url}/create/no_such_attitude")
        expect(page.get_by_test_id("attitude-unknown")).to_be_visible()
        page.get_by_test_id("attitude-unknown").get_by_role("link").click()
        expect(page.get_by_test_id("start-view")).to_be_visible()
        small_page.assert_clean()


# ------------------------------------------------------------------ generation (stage 3 and 4)


@pytest.fixture(scope="module")
def generating_app(
    tmp_path_factory: pytest.TempPathFactory, llm_server: TestServerProcess
) -> Iterator[AppProcess]:
    """The self-test nodes take a moment each, so progress can be seen and a job cancelled mid-way.
    One app for the module's generation tests: each makes its own run, none changes a setting."""
    with workshop_app(
        tmp_path_factory.mktemp("generating"),
        llm_server,
        env={"COMFYUI_TESTSERVER_SLOW_NODES": "EmptyImage:1.5,ImageAddNoise:1.5"},
    ) as app:
        yield app


# Records every value the progress bar shows, so a test can tell that it moved.
PROGRESS_RECORDER = """
window.__progressValues = [];
new MutationObserver(() => {
  for (const bar of document.querySelectorAll('[data-testid="progress-bar"][aria-valuenow]')) {
    window.__progressValues.push(Number(bar.getAttribute('aria-valuenow')));
  }
}).observe(document, {
  subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'],
});
"""


def _wait_until_true(page: Page, expression: str, timeout_ms: int = 30_000) -> None:
    """Polls a JavaScript expression (page.wait_for_function would need eval, which the app's CSP forbids)."""
    waited = 0
    while not page.evaluate(expression):
        if waited >= timeout_ms:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(100)
        waited += 100


def _generate(page: Page) -> None:
    with page.expect_response("**/api/generation") as answer:
        page.get_by_test_id("generate").click()
    assert answer.value.status == 202, answer.value.text()


def _choose_output(page: Page, output_id: str) -> None:
    page.get_by_test_id(f"output-{output_id}").click()
    expect(page.get_by_test_id("optimized-box")).to_be_visible(timeout=STREAM_TIMEOUT_MS)
    expect(page.get_by_test_id("generate")).to_be_enabled()


@pytest.fixture
def recording_page(page_pool: PagePool) -> Iterator[PageWatch]:
    """The smallest workshop window, recording every progress value the page shows."""
    with watched_page(page_pool, 960, 640, "de-DE", init_script=PROGRESS_RECORDER) as watch:
        yield watch


def test_generation_shows_progress_the_image_reruns_by_seed_and_cancels(
    generating_app: AppProcess, recording_page: PageWatch
) -> None:
    page = recording_page.page
    app = generating_app
    _open_workshop(page, app, "dada")
    page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
    run_id = _start(page)
    expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=STREAM_TIMEOUT_MS)
    _choose_output(page, "selftest_image")

    # Create: stages, a progress bar that moves, then the image on screen.
    _generate(page)
    progress = page.get_by_test_id("generation-progress")
    expect(progress).to_be_visible()
    expect(page.get_by_test_id("generate")).to_have_attribute("aria-busy", "true")
    expect(progress.locator('[data-stage="generation"]')).to_have_attribute(
        "data-state", "current", timeout=60_000
    )
    image = page.get_by_test_id("media-image")
    expect(image).to_be_visible(timeout=60_000)
    _wait_until_true(page, "document.querySelector('[data-testid=\"media-image\"]').naturalWidth > 0")
    values: list[float] = page.evaluate("window.__progressValues")
    assert any(0 < value < 100 for value in values), values
    expect(page.get_by_test_id("generation-progress")).to_have_count(0)
    record = _wait_for_run(app, run_id, lambda run: run["generations"] and run["status"] == "complete")
    generation = record["generations"][-1]
    assert generation["output_id"] == "selftest_image"
    expect(page.get_by_test_id("optimized-box")).to_have_value(generation["text"])
    media = generation["media"][0]
    expect(image).to_have_attribute("src", f"/api/runs/{run_id}/media/{media['name']}")
    download = page.get_by_test_id("media-download")
    expect(download).to_have_attribute("href", f"/api/runs/{run_id}/media/{media['name']}")
    expect(download).to_have_attribute("download", media["name"])
    seed = generation["seed"]
    expect(page.get_by_test_id("result-seed")).to_have_text(str(seed))

    # Fullscreen view, closed with Escape.
    page.get_by_test_id("media-fullscreen").click()
    expect(page.get_by_test_id("media-viewer")).to_be_visible()
    page.keyboard.press("Escape")
    if page.evaluate("document.fullscreenElement !== null"):
        page.keyboard.press("Escape")
    expect(page.get_by_test_id("media-viewer")).to_be_hidden()

    # Again with the same seed: the same seed is sent and recorded.
    with page.expect_request("**/api/generation") as sent:
        page.get_by_test_id("rerun-same-seed").click()
    assert json.loads(sent.value.post_data or "{}")["seed"] == seed
    expect(page.get_by_test_id("media-image")).to_be_visible(timeout=60_000)
    record = _wait_for_run(
        app, run_id, lambda run: len(run["generations"]) == 2 and run["status"] == "complete"
    )
    assert record["generations"][-1]["seed"] == seed

    # Again with a new seed, cancelled while it runs: the run says cancelled, the page says so calmly.
    with page.expect_request("**/api/generation") as sent:
        page.get_by_test_id("rerun-new-seed").click()
    assert json.loads(sent.value.post_data or "{}")["seed"] == "random"
    expect(page.get_by_test_id("generation-progress")).to_be_visible()
    expect(page.get_by_test_id("generation-cancel")).to_be_enabled(timeout=10_000)
    page.get_by_test_id("generation-cancel").click()
    cancelled = page.get_by_test_id("generation-cancelled")
    expect(cancelled).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("media-image")).to_have_count(0)
    record = _wait_for_run(app, run_id, lambda run: run["status"] == "cancelled")
    assert record["generations"][-1]["status"] == "cancelled"
    expect(page.get_by_test_id("generate")).to_be_enabled()
    recording_page.assert_clean()


@pytest.mark.parametrize(("output_id", "player"), [("selftest_audio", "audio"), ("selftest_video", "video")])
def test_generated_sound_and_video_play_in_their_players(
    generating_app: AppProcess, small_page: PageWatch, output_id: str, player: str
) -> None:
    page = small_page.page
    _open_workshop(page, generating_app, "dada")
    page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
    _start(page)
    expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=STREAM_TIMEOUT_MS)
    _choose_output(page, output_id)
    _generate(page)
    element = page.get_by_test_id(f"media-{player}")
    expect(element).to_be_visible(timeout=60_000)
    # The browser read the file's header: it is a playable file of that kind.
    _wait_until_true(
        page,
        f"document.querySelector('[data-testid=\"media-{player}\"]').readyState >= 1"
        f" || document.querySelector('[data-testid=\"media-{player}\"]').error !== null",
    )
    assert page.evaluate(f"document.querySelector('[data-testid=\"media-{player}\"]').error") is None
    expect(page.get_by_test_id("media")).to_have_attribute("data-player", player)
    small_page.assert_clean()


def test_a_reconnecting_event_stream_adds_no_text_twice(
    streaming_app_without_comfyui: AppProcess, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    """The first event stream breaks off after eight pieces and the browser reconnects. The second
    stream replays every event from the start (as a server does that gets no Last-Event-ID), without
    the final `text` event that would otherwise overwrite the streamed text: the page must show every
    piece exactly once, because it drops events it has already seen (by their ids)."""
    page = small_page.page
    requests: list[dict[str, str]] = []

    def stream_blocks(route: Route) -> list[str]:
        # The whole stream of the job, once it is over.
        headers = {k: v for k, v in route.request.all_headers().items() if k.lower() != "last-event-id"}
        return route.fetch(headers=headers).text().split("\n\n")

    def fulfill(route: Route, blocks: list[str]) -> None:
        route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"},
            body="\n\n".join(blocks) + "\n\n",
        )

    def break_first_then_replay_all(route: Route) -> None:
        requests.append(route.request.all_headers())
        blocks = stream_blocks(route)
        if len(requests) == 1:
            first_tokens = [i for i, block in enumerate(blocks) if "event: token" in block][:8]
            fulfill(route, blocks[: first_tokens[-1] + 1])
        else:
            fulfill(route, [block for block in blocks if "event: text" not in block])

    page.route("**/api/jobs/*/events", break_first_then_replay_all)
    # The 40 pieces without holds: the routed stream is fetched whole, once the job is over.
    llm_server.release_held_streams(times=2)
    _open_workshop(page, streaming_app_without_comfyui, "dada")
    page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
    _start(page)
    box = page.get_by_test_id("interception-box")
    expect(box).to_be_visible(timeout=STREAM_TIMEOUT_MS)
    expect(box).to_have_value(ALL_FORTY_PIECES, timeout=STREAM_TIMEOUT_MS)
    assert len(requests) == 2, requests
    small_page.assert_clean()


def test_generation_block_and_failure_are_explained(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    # The ComfyUI test server fails the noise node like a real runtime error.
    with workshop_app(
        tmp_path,
        llm_server,
        env={
            "COMFYUI_TESTSERVER_FAIL_NODES": "ImageAddNoise",
            "COMFYUI_TESTSERVER_FAIL_MESSAGE": "Allocation on device failed",
        },
    ) as app:
        _open_workshop(page, app, "dada")
        page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
        run_id = _start(page)
        expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=STREAM_TIMEOUT_MS)
        _choose_output(page, "selftest_image")

        # The student edits the optimized text into something the pre-output check stops.
        page.get_by_test_id("optimized-box").fill("Ein Hakenkreuz an der Wand")
        _generate(page)
        blocked = page.get_by_test_id("generation-blocked")
        expect(blocked).to_be_visible(timeout=60_000)
        record = _wait_for_run(app, run_id, lambda run: run["status"] == "blocked")
        verdict = record["safety"][-1]
        assert verdict["stage"] == "pre_output" and verdict["decision"] == "blocked", verdict
        expect(blocked.get_by_test_id("problem-message")).to_have_text(
            Translator().translate(verdict["explanation_code"], "de")
        )
        expect(blocked).to_contain_text("Erzeugen")  # what to do: change the text, press Create again
        expect(page.get_by_test_id("media")).to_have_count(0)

        # A harmless text reaches ComfyUI, which fails: the message says what happened, retry is offered.
        page.get_by_test_id("optimized-box").fill("Ein Straßenfest im Regen")
        _generate(page)
        failed = page.get_by_test_id("generation-failed")
        expect(failed).to_be_visible(timeout=60_000)
        record = _wait_for_run(app, run_id, lambda run: run["status"] == "failed")
        error = record["error"]
        expect(failed.get_by_test_id("problem-message")).to_have_text(
            Translator().translate(error["code"], "de", error["params"])
        )
        with page.expect_request("**/api/generation"):
            failed.get_by_test_id("retry").click()
        expect(page.get_by_test_id("generation-failed")).to_be_visible(timeout=60_000)
        small_page.assert_clean()


def test_a_teacher_changes_the_telephone_rounds_for_one_run_with_the_pin(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    with workshop_app(tmp_path, llm_server, comfyui=False) as app:
        with app.client("de") as client:
            assert client.put("/api/settings/teacher-pin", json={"new_pin": "2468"}).status_code == 200
        _open_workshop(page, app, "telephone")
        page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
        page.get_by_test_id("telephone-settings").locator("summary").click()
        # The pool shows the languages by name in the UI language.
        expect(page.get_by_test_id("telephone-settings")).to_contain_text("Französisch")
        page.get_by_test_id("telephone-rounds").fill("3")

        # Without the PIN the changed game is refused, with the reason; no run starts.
        with page.expect_response("**/api/interception") as refused:
            page.get_by_test_id("start").click()
        assert refused.value.status == 403
        expect(page.get_by_text("Die Lehrkraft-PIN stimmt nicht.")).to_be_visible()

        page.get_by_test_id("telephone-pin").fill("2468")
        run_id = _start(page)
        record = _wait_for_run(app, run_id, lambda run: run["status"] == "complete", timeout=60.0)
        recorded = record["interception"]["rounds"]
        assert len(recorded) == 3
        assert recorded[-1]["language"] == "de"
        expect(page.get_by_test_id("telephone-round")).to_have_count(3)

        # 3 is the override, not what the attitude itself says.
        shipped_rounds = json.loads(
            (REPO_ROOT / "configs" / "interception" / "telephone.json").read_text("utf-8")
        )["recursion"]["rounds"]
        assert shipped_rounds != 3
