"""Classroom mode from the student's side, in real Chromium against the real app: a teacher's browser
context (launch token, app listener) opens the class through the HTTP API; a student's context
reaches the app only through the LAN listener on 127.0.0.2 (standing in for the school network).

- join (a wrong code, then the code in small letters) and the creative loop on a tablet with touch
  (768x1024, landscape and a phone as well): only the class's attitudes and outputs, no teacher page
  or control, "the teacher paused the queue", Cancel of one's own job, the picture, "My pictures";
  no horizontal scrolling and every main button at least 44 px;
- a block the student sees with its child-friendly explanation (and no teacher override); the
  student is out at once when the teacher removes them, another one when the teacher closes the class.

Needs the built UI: ``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, Request, Response, expect

from tests.browser.page_watch import CSP_LISTENER, PageWatch
from tests.browser.workshop_app import workshop_app
from tests.classroom.lan import LAN_ADDRESS, free_lan_port
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import AppProcess
from tests.support.browser import PagePool, new_context

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
# The student page asks /api/class/me every 4 s (web/src/state/student-session.ts); "at once" is the
# next look, with room for a busy machine.
STUDENT_CHECK_MS = 4_000
OUT_TIMEOUT_MS = 20_000
CLASS_ATTITUDES = ["dada", "bauhaus"]
CLASS_OUTPUT = "selftest_image"
# What a student's page may call at all (everything else answers 403 on the LAN listener).
STUDENT_API = re.compile(
    r"^/api/(class/(join|me)|catalog/(interceptions|outputs)|interception|optimization|generation"
    r"|runs(/[^/]+(/detail|/media/.+)?)?|jobs/[^/]+(/events|/preview|/cancel)?|health)$"
)


@dataclass
class Student:
    """A student's browser context (LAN listener only), with every API call its page made."""

    watch: PageWatch
    base_url: str
    api_paths: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def page(self) -> Page:
        return self.watch.page

    def assert_only_student_calls(self) -> None:
        assert [path for path in self.api_paths if not STUDENT_API.match(path)] == []
        assert self.refused == []
        self.watch.assert_clean()


@contextmanager
def student_context(
    browser: Browser, port: int, width: int, height: int, *, touch: bool = False
) -> Iterator[Student]:
    context = new_context(
        browser,
        viewport={"width": width, "height": height},
        locale="en-GB",
        has_touch=touch,
        is_mobile=touch and width < 600,
    )
    context.add_init_script(CSP_LISTENER)
    try:
        student = Student(PageWatch(context.new_page()), f"http://{LAN_ADDRESS}:{port}")

        def on_request(request: Request) -> None:
            path = "/" + request.url.split("/", 3)[3].split("?")[0] if request.url.count("/") >= 3 else "/"
            if path.startswith("/api/"):
                student.api_paths.append(path)

        def on_response(response: Response) -> None:
            if response.status == 403:
                student.refused.append(response.url)

        student.page.on("request", on_request)
        student.page.on("response", on_response)
        yield student
    finally:
        context.close()


@contextmanager
def teacher_context(page_pool: PagePool, app: AppProcess) -> Iterator[APIRequestContext]:
    """The teacher's app window: the launch link sets its session; its API calls carry that session."""
    with page_pool.page(width=1366, height=768, locale="en-GB") as page:
        page.goto(app.launch_url)
        expect(page.locator("html")).to_have_attribute("data-app-ready", "true", timeout=TIMEOUT_MS)
        yield page.context.request


@contextmanager
def teacher_dashboard(page_pool: PagePool, app: AppProcess) -> Iterator[Page]:
    """The teacher's class page in another window of the app (its own launch link), following live."""
    with page_pool.page(width=1366, height=768, locale="en-GB") as page:
        page.goto(app.launch_url)
        expect(page.locator("html")).to_have_attribute("data-app-ready", "true", timeout=TIMEOUT_MS)
        page.goto(f"{app.base_url}/classroom")
        yield page


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status == status, response.text()
    body: dict[str, Any] = response.json()
    return body


def open_class(teacher: APIRequestContext, app: AppProcess, port: int) -> dict[str, Any]:
    return _ok(
        teacher.post(
            f"{app.base_url}/api/classroom",
            data={
                "address": LAN_ADDRESS,
                "port": port,
                "attitude_ids": CLASS_ATTITUDES,
                "output_ids": [CLASS_OUTPUT],
                "safety_level": "kids",
                "per_student_limit": 1,
            },
        ),
        201,
    )


def join(student: Student, code: str, nickname: str) -> None:
    page = student.page
    page.goto(f"{student.base_url}/join")
    page.get_by_test_id("join-code").fill(code.lower())
    page.get_by_test_id("join-nickname").fill(nickname)
    page.get_by_test_id("join-submit").click()
    expect(page).to_have_url(re.compile(r"/class(\?.*)?$"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("student-nickname")).to_contain_text(nickname)


# Every visible control of the page and its header smaller than a 44 px touch target.
SMALL_TARGETS = """() => [
  ...document.querySelectorAll(
    'main button, main a.button, main input, main textarea, header a, header button',
  ),
]
  .filter((element) => element.offsetParent !== null)
  .map((element) => ({
    id: element.dataset.testid || element.textContent.trim().slice(0, 30),
    box: element.getBoundingClientRect(),
  }))
  .filter(({ box }) => box.height < 44 || box.width < 44)
  .map(({ id, box }) => `${id}: ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def assert_fits(page: Page, where: str) -> None:
    """No sideways scrolling, and every main control a touch target of at least 44 px."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{where}: the page is {scroll_width} px wide in a {width} px window"
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"{where}: targets smaller than 44 px: {small}"


@pytest.fixture
def classroom_app(tmp_path: Path, llm_server: TestServerProcess) -> Iterator[AppProcess]:
    # Generations take a few seconds, so a waiting or running job can be seen and cancelled.
    slow = {"COMFYUI_TESTSERVER_SLOW_NODES": "EmptyImage:1.0"}
    with workshop_app(tmp_path, llm_server, env=slow) as app:
        yield app


@pytest.fixture
def classroom_app_without_comfyui(tmp_path: Path, llm_server: TestServerProcess) -> Iterator[AppProcess]:
    """For tests that never reach an output: no ComfyUI child to start and supervise."""
    with workshop_app(tmp_path, llm_server, comfyui=False) as app:
        yield app


def test_student_joins_and_works_the_loop_on_a_touch_tablet(
    classroom_app: AppProcess, browser: Browser, page_pool: PagePool
) -> None:
    app = classroom_app
    port = free_lan_port()
    with (
        teacher_context(page_pool, app) as teacher,
        student_context(browser, port, 768, 1024, touch=True) as student,
    ):
        view = open_class(teacher, app, port)
        page = student.page

        # The class's address leads to the join page; a wrong code is refused in plain words.
        page.goto(f"{student.base_url}/")
        expect(page).to_have_url(re.compile(r"/join$"))
        assert_fits(page, "join")
        page.get_by_test_id("join-code").fill("ZZZZZZ" if view["code"] != "ZZZZZZ" else "YYYYYY")
        page.get_by_test_id("join-nickname").fill("Mila")
        page.get_by_test_id("join-submit").tap()
        expect(page.get_by_test_id("join-problem")).to_have_attribute("data-kind", "code")
        expect(page.get_by_test_id("join-problem")).to_contain_text("not right")
        # The refusal is the one 403 (and the console's note of it) this page may see.
        assert [url.rsplit("/", 3)[-2:] for url in student.refused] == [["class", "join"]]
        student.refused.clear()
        student.watch.errors[:] = [error for error in student.watch.errors if "status of 403" not in error]

        # The code in small letters works; the class's two attitudes, nothing else, and no teacher page.
        page.get_by_test_id("join-code").fill(view["code"].lower())
        page.get_by_test_id("join-submit").tap()
        expect(page.get_by_test_id("student-attitudes")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("student-nickname")).to_have_text("Mila")
        expect(page.locator("[data-attitude-card]")).to_have_count(len(CLASS_ATTITUDES))
        for name in ("nav-settings", "nav-models", "nav-gallery", "notices", "footer"):
            expect(page.get_by_test_id(name)).to_have_count(0)
        assert_fits(page, "attitudes")

        # The loop: idea -> the LLM's transformed text -> the class's one output.
        page.get_by_test_id("attitude-card-dada").tap()
        page.get_by_test_id("idea-box").fill("A street party in the rain")
        page.get_by_test_id("start").tap()
        expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("telephone-settings")).to_have_count(0)
        expect(page.get_by_test_id(f"output-{CLASS_OUTPUT}")).to_be_visible()
        expect(page.get_by_test_id("output-test_painting")).to_have_count(0)
        page.get_by_test_id(f"output-{CLASS_OUTPUT}").tap()
        expect(page.get_by_test_id("generate")).to_be_enabled(timeout=TIMEOUT_MS)
        assert_fits(page, "loop")

        # The teacher pauses the queue: the student's job waits and says why; the student cancels it.
        _ok(teacher.post(f"{app.base_url}/api/classroom/queue", data={"paused": True}))
        page.get_by_test_id("generate").tap()
        status = page.get_by_test_id("progress-status")
        expect(status).to_have_text(re.compile("teacher paused the queue"), timeout=TIMEOUT_MS)
        assert_fits(page, "waiting")
        page.get_by_test_id("generation-cancel").tap()
        expect(page.get_by_test_id("generation-cancelled")).to_be_visible(timeout=TIMEOUT_MS)

        # The queue goes on: the picture is shown on the student's page.
        _ok(teacher.post(f"{app.base_url}/api/classroom/queue", data={"paused": False}))
        page.get_by_test_id("generate").tap()
        expect(page.get_by_test_id("media-image")).to_be_visible(timeout=TIMEOUT_MS)
        assert_fits(page, "result")

        # Landscape and a phone: the same page still fits.
        page.set_viewport_size({"width": 1024, "height": 768})
        assert_fits(page, "landscape")
        page.set_viewport_size({"width": 390, "height": 844})
        assert_fits(page, "phone")
        page.set_viewport_size({"width": 768, "height": 1024})

        # "My pictures": the student's one run, which opens in the workshop again.
        page.get_by_test_id("student-nav-gallery").tap()
        runs = page.get_by_test_id("student-run")
        expect(runs).to_have_count(1, timeout=TIMEOUT_MS)
        expect(runs.first).to_have_attribute("data-kind", "image")
        assert_fits(page, "gallery")
        runs.first.get_by_role("link").tap()
        expect(page.get_by_test_id("media-image")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_test_id("idea-box")).to_have_value("A street party in the rain")

        student.assert_only_student_calls()


def test_student_sees_a_block_and_is_out_at_once_when_removed_or_the_class_closes(
    classroom_app_without_comfyui: AppProcess, browser: Browser, page_pool: PagePool
) -> None:
    app = classroom_app_without_comfyui
    port = free_lan_port()
    with (
        ExitStack() as stack,
        teacher_context(page_pool, app) as teacher,
        student_context(browser, port, 1366, 768) as mila,
        student_context(browser, port, 1366, 768) as ben,
    ):
        view = open_class(teacher, app, port)
        # The students' clocks run as real ones, but the test may jump to their next look instead
        # of waiting for it: the page's own timer still does the asking.
        for student in (mila, ben):
            student.page.clock.install()
        join(mila, view["code"], "Mila")
        join(ben, view["code"], "Ben")
        board = stack.enter_context(teacher_dashboard(page_pool, app))
        expect(board.get_by_test_id("class-no-blocks")).to_be_visible(timeout=TIMEOUT_MS)

        # A blocked idea: the child-friendly explanation, the flow stops, no teacher override here.
        page = mila.page
        page.get_by_test_id("attitude-card-dada").click()
        page.get_by_test_id("idea-box").fill("Ein Hakenkreuz an der Wand")
        page.get_by_test_id("start").click()
        blocked = page.get_by_test_id("interception-blocked")
        expect(blocked).to_be_visible(timeout=TIMEOUT_MS)
        expect(blocked.get_by_test_id("problem-message")).not_to_be_empty()
        expect(page.get_by_test_id("override-open")).to_have_count(0)
        expect(page.get_by_test_id("output-picker")).to_have_count(0)
        # The teacher's dashboard shows the block live (no reload): who, the category by name (the
        # app speaks German here), the idea.
        block = board.get_by_test_id("class-block")
        expect(block).to_have_count(1, timeout=TIMEOUT_MS)
        expect(block).to_contain_text("Mila")
        expect(block.get_by_test_id("class-block-category")).to_have_text(re.compile("verbotene Symbole"))
        expect(block.get_by_test_id("class-block-idea")).to_have_text("Ein Hakenkreuz an der Wand")
        dashboard = _ok(teacher.get(f"{app.base_url}/api/classroom/dashboard"))
        assert [block["nickname"] for block in dashboard["blocks"]] == ["Mila"]

        # The teacher removes Mila: her page says so without her doing anything; Ben goes on.
        mila_id = next(entry["id"] for entry in dashboard["students"] if entry["nickname"] == "Mila")
        _ok(teacher.delete(f"{app.base_url}/api/classroom/students/{mila_id}"))
        page.clock.fast_forward(STUDENT_CHECK_MS)
        out = page.get_by_test_id("student-out")
        expect(out).to_be_visible(timeout=OUT_TIMEOUT_MS)
        expect(out).to_have_attribute("data-reason", "out")
        expect(out).to_contain_text("no longer in the class")
        expect(page.get_by_test_id("student-rejoin")).to_have_attribute("href", "/join")
        expect(page.get_by_test_id("idea-box")).to_have_count(0)
        expect(ben.page.get_by_test_id("student-attitudes")).to_be_visible()

        # The teacher closes the class: Ben is out at once too.
        _ok(teacher.fetch(f"{app.base_url}/api/classroom", method="DELETE", data={}))
        ben.page.clock.fast_forward(STUDENT_CHECK_MS)
        expect(ben.page.get_by_test_id("student-out")).to_be_visible(timeout=OUT_TIMEOUT_MS)
        expect(ben.page.get_by_test_id("student-attitudes")).to_have_count(0)

        for student in (mila, ben):
            assert [path for path in student.api_paths if not STUDENT_API.match(path)] == []
            assert student.refused == []
