"""The teacher's class page in real Chromium against the real app, with a real LAN listener on
127.0.0.2 (it stands in for the school network) and students joining over HTTP with their own
clients: open a class, see a student join and work live (no reload), pause and resume the queue,
remove a student, show a run on the projector, find it with the student's badge in the gallery,
export the class's runs with progress, and close the class (every student is out at once)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.page_watch import PageWatch, watched_page
from tests.browser.workshop_app import TEST_OUTPUT_ID, workshop_app
from tests.classroom.lan import LAN_ADDRESS, free_lan_port, student_client
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.job_events import final_state, read_events
from tests.support.settings_files import write_settings

pytestmark = pytest.mark.browser

# Marks the page; a reload or a navigation away loses it, so a test sees that an update came live.
NO_RELOAD_MARK = "window.__classroomTestMark = 'still here'"
STILL_HERE = "() => window.__classroomTestMark === 'still here'"


@pytest.fixture
def wide_page(page_pool: PagePool) -> Iterator[PageWatch]:
    """A German page the size of a teacher's laptop on a projector (1366x900)."""
    with watched_page(page_pool, 1366, 900, "de-DE") as watch:
        yield watch


def start_classroom_app(tmp_path: Path, base_url: str, lan_port: int) -> AppProcess:
    data = tmp_path / "app"
    write_settings(data, base_url=base_url, first_run_done=True)
    return start_app(data, env=lan_policy(tmp_path, lan_port))


def lan_policy(tmp_path: Path, lan_port: int) -> dict[str, str]:
    """The environment of an app whose lab policy fixes the class's address and port to the test's
    LAN stand-in (this machine's real interfaces are never used by a test)."""
    policy = tmp_path / "etc" / "policy.json"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(json.dumps({"classroom": {"address": LAN_ADDRESS, "port": lan_port}}), encoding="utf-8")
    return {"AI4ARTSED_POLICY_FILE": str(policy)}


def open_class_in_the_page(
    page: Page, app: AppProcess, lan_port: int, outputs: tuple[str, ...] = (), pin: str | None = None
) -> str:
    """Opens the class through the setup form (ticking ``outputs`` too; with ``pin``, first without
    it, which the server refuses in plain words); returns the join code shown."""
    page.goto(app.launch_url)
    page.get_by_test_id("open-classroom").click()
    expect(page.get_by_test_id("class-setup")).to_be_visible()
    # The policy's address and port are shown, read-only.
    expect(page.get_by_test_id("class-address")).to_have_value(LAN_ADDRESS)
    expect(page.get_by_test_id("class-address")).to_be_disabled()
    expect(page.get_by_test_id("class-port")).to_have_value(str(lan_port))
    expect(page.get_by_test_id("class-fixed-port")).to_be_visible()
    for output in outputs:
        page.get_by_test_id(f"class-output-{output}").check()
    if pin is not None:
        page.get_by_test_id("class-open").click()
        expect(page.get_by_test_id("class-error")).to_contain_text("PIN")
        expect(page.get_by_test_id("class-setup")).to_be_visible()
        page.get_by_test_id("class-pin").fill(pin)
    page.get_by_test_id("class-open").click()
    expect(page.get_by_test_id("class-join")).to_be_visible()
    expect(page.get_by_test_id("class-join-address")).to_contain_text(f"{LAN_ADDRESS}:{lan_port}")
    expect(page.get_by_test_id("class-join-qr")).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    expect(page.get_by_test_id("class-live")).to_have_attribute("data-live", "live")
    code = page.get_by_test_id("class-join-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z0-9]{6}", code), code
    return code


def join(lan_port: int, code: str, nickname: str) -> httpx.Client:
    student = student_client(lan_port, "de")
    answer = student.post("/api/class/join", json={"code": code, "nickname": nickname})
    assert answer.status_code == 200, answer.text
    return student


def student_card(page: Page, nickname: str) -> Locator:
    return page.locator(f'[data-testid="class-student"][data-nickname="{nickname}"]')


def test_a_teacher_opens_a_class_sees_students_live_pauses_removes_and_closes(
    tmp_path: Path, wide_page: PageWatch, llm_server: TestServerProcess
) -> None:
    lan_port = free_lan_port()
    with start_classroom_app(tmp_path, llm_server.base_url, lan_port) as app:
        page = wide_page.page
        code = open_class_in_the_page(page, app, lan_port)
        expect(page.get_by_test_id("class-no-students")).to_be_visible()
        page.evaluate(NO_RELOAD_MARK)

        mia = join(lan_port, code, "Mia")
        ben = join(lan_port, code, "Ben")
        try:
            # The dashboard learns of both through its event stream.
            expect(student_card(page, "Mia")).to_be_visible()
            expect(student_card(page, "Ben")).to_be_visible()
            expect(page.get_by_test_id("class-student-count")).to_have_text("2")

            # Mia works: her idea arrives on the teacher's screen without a reload.
            attitude = mia.get("/api/class/me").json()["attitude_ids"][0]
            started = mia.post(
                "/api/interception",
                json={"config_id": attitude, "idea": "Ein Fest im Regen", "language": "de"},
            )
            assert started.status_code == 202, started.text
            expect(student_card(page, "Mia").get_by_test_id("class-student-idea")).to_have_text(
                "Ein Fest im Regen"
            )
            assert page.evaluate(STILL_HERE)

            # Pause and resume the queue: the button, the note and the server agree.
            page.get_by_test_id("class-pause").click()
            expect(page.get_by_test_id("class-pause")).to_have_attribute("data-paused", "true")
            expect(page.get_by_test_id("class-queue-paused")).to_be_visible()
            with app.client("de") as teacher:
                assert teacher.get("/api/classroom").json()["open_class"]["paused"] is True
            page.get_by_test_id("class-pause").click()
            expect(page.get_by_test_id("class-pause")).to_have_attribute("data-paused", "false")
            expect(page.get_by_test_id("class-queue-paused")).to_have_count(0)
            with app.client("de") as teacher:
                assert teacher.get("/api/classroom").json()["open_class"]["paused"] is False

            # Remove Ben (confirmed): his card goes, his login is refused at once.
            student_card(page, "Ben").get_by_test_id("class-remove").click()
            expect(page.get_by_test_id("class-confirm-text")).to_contain_text("Ben")
            page.get_by_test_id("class-confirm-yes").click()
            expect(student_card(page, "Ben")).to_have_count(0)
            assert ben.get("/api/class/me").status_code == 401
            assert mia.get("/api/class/me").status_code == 200

            # Close the class (confirmed): the form is back, and Mia is out at once.
            page.get_by_test_id("class-close").click()
            expect(page.get_by_test_id("class-confirm-text")).to_contain_text("sofort")
            page.get_by_test_id("class-confirm-yes").click()
            expect(page.get_by_test_id("class-setup")).to_be_visible()
            with pytest.raises(httpx.TransportError):
                mia.get("/api/class/me")
            assert page.evaluate(STILL_HERE)
        finally:
            mia.close()
            ben.close()
    assert wide_page.csp_violations() == []


def test_a_students_run_on_the_projector_hidden_and_with_the_students_badge_in_the_gallery(
    tmp_path: Path, wide_page: PageWatch, llm_server: TestServerProcess
) -> None:
    lan_port = free_lan_port()
    with start_classroom_app(tmp_path, llm_server.base_url, lan_port) as app:
        page = wide_page.page
        code = open_class_in_the_page(page, app, lan_port)
        mia = join(lan_port, code, "Mia")
        try:
            attitude = mia.get("/api/class/me").json()["attitude_ids"][0]
            started = mia.post(
                "/api/interception",
                json={"config_id": attitude, "idea": "Ein Fest im Regen", "language": "de"},
            ).json()
            assert final_state(read_events(mia, started["job_id"])) == "succeeded"
            run_id = started["run_id"]

            card = student_card(page, "Mia")
            expect(card.get_by_test_id("class-project")).to_be_enabled()
            with page.context.expect_page() as projector_info:
                card.get_by_test_id("class-project").click()
            projector = projector_info.value
            expect(projector.get_by_test_id("projector-run")).to_have_attribute("data-run-id", run_id)
            expect(projector.get_by_test_id("projector-idea")).to_have_text("Ein Fest im Regen")
            expect(projector.get_by_test_id("run-student")).to_have_text("von Mia")
            # No teacher controls and no protection list on the wall; no app header either.
            expect(projector.get_by_test_id("detail-protection")).to_have_count(0)
            expect(projector.get_by_test_id("class-remove")).to_have_count(0)
            expect(projector.get_by_test_id("nav-settings")).to_have_count(0)

            # The teacher takes it off the wall: the projector follows by itself.
            page.get_by_test_id("class-stop-projection").click()
            expect(projector.get_by_test_id("projector-empty")).to_be_visible()

            # Hide the result: gone for Mia, marked for the teacher.
            card.get_by_test_id("class-hide").click()
            expect(card.get_by_test_id("class-student-hidden")).to_be_visible()
            assert mia.get(f"/api/runs/{run_id}/detail").status_code == 404

            # The teacher's own run beside Mia's in the gallery.
            with app.client("de") as teacher:
                own = teacher.post(
                    "/api/interception",
                    json={"config_id": attitude, "idea": "Ein Turm aus Wolken", "language": "de"},
                ).json()
                assert final_state(read_events(teacher, own["job_id"])) == "succeeded"

            # The gallery and the run's view name the student; her badge filters by her.
            page.get_by_test_id("nav-gallery").click()
            expect(page.get_by_test_id("gallery-card")).to_have_count(2)
            gallery_card = page.locator(f'[data-testid="gallery-card"][data-run-id="{run_id}"]')
            expect(gallery_card.get_by_test_id("card-student")).to_have_text("von Mia")
            expect(gallery_card).to_have_attribute("data-student", "Mia")
            expect(gallery_card.get_by_test_id("card-hidden")).to_be_visible()
            teacher_card = page.locator(f'[data-testid="gallery-card"][data-run-id="{own["run_id"]}"]')
            expect(teacher_card.get_by_test_id("card-student")).to_have_count(0)
            gallery_card.get_by_test_id("card-student").click()
            expect(page.get_by_test_id("filter-student")).to_contain_text("Nur Durchläufe von Mia")
            expect(page.get_by_test_id("gallery-card")).to_have_count(1)
            expect(teacher_card).to_have_count(0)
            gallery_card.get_by_test_id("open-run").click()
            expect(page.get_by_test_id("run-student")).to_have_text("von Mia")
        finally:
            mia.close()
        with app.client("de") as teacher:
            teacher.request("DELETE", "/api/classroom", json={})
    assert wide_page.csp_violations() == []


def test_with_a_pin_the_teacher_opens_cancels_a_waiting_generation_and_closes(
    tmp_path: Path, wide_page: PageWatch, llm_server: TestServerProcess
) -> None:
    lan_port = free_lan_port()
    with workshop_app(tmp_path, llm_server, env=lan_policy(tmp_path, lan_port)) as app:
        with app.client("de") as teacher:
            assert teacher.put("/api/settings/teacher-pin", json={"new_pin": "4711"}).status_code == 200
        page = wide_page.page
        code = open_class_in_the_page(page, app, lan_port, outputs=(TEST_OUTPUT_ID,), pin="4711")
        page.get_by_test_id("class-pause").click()
        expect(page.get_by_test_id("class-queue-paused")).to_be_visible()
        mia = join(lan_port, code, "Mia")
        try:
            attitude = mia.get("/api/class/me").json()["attitude_ids"][0]
            started = mia.post(
                "/api/interception",
                json={"config_id": attitude, "idea": "Ein Fest im Regen", "language": "de"},
            ).json()
            assert final_state(read_events(mia, started["job_id"])) == "succeeded"
            generation = mia.post(
                "/api/generation",
                json={"run_id": started["run_id"], "text": "Ein Fest im Regen", "output_id": TEST_OUTPUT_ID},
            )
            assert generation.status_code == 202, generation.text
            job_id = generation.json()["job_id"]

            entry = page.locator(f'[data-testid="class-queue-entry"][data-job-id="{job_id}"]')
            expect(entry).to_have_attribute("data-state", "queued")
            expect(entry.get_by_test_id("class-queue-who")).to_have_text("Mia")
            entry.get_by_test_id("class-queue-cancel").click()
            expect(entry).to_have_count(0)
            assert final_state(read_events(mia, job_id)) == "cancelled"

            # Closing needs the PIN too.
            page.get_by_test_id("class-close").click()
            page.get_by_test_id("class-close-pin").fill("4711")
            page.get_by_test_id("class-confirm-yes").click()
            expect(page.get_by_test_id("class-setup")).to_be_visible()
        finally:
            mia.close()
    assert wide_page.csp_violations() == []


# Records every state the export's status shows (and its text), however briefly it is on screen.
WATCH_EXPORT_STATE = """() => {
  window.__exportStates = []
  const seen = () => {
    const state = document.querySelector('[data-testid="export-state"]')
    if (state === null) return
    const entry = state.dataset.status + ' ' + state.textContent.replace(/\\s+/g, ' ').trim()
    if (window.__exportStates.at(-1) !== entry) window.__exportStates.push(entry)
  }
  new MutationObserver(seen).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
  })
}"""


def test_the_class_export_shows_its_progress_and_downloads_the_class_runs_only(
    tmp_path: Path, wide_page: PageWatch, llm_server: TestServerProcess
) -> None:
    lan_port = free_lan_port()
    with start_classroom_app(tmp_path, llm_server.base_url, lan_port) as app:
        page = wide_page.page
        code = open_class_in_the_page(page, app, lan_port)
        students = [join(lan_port, code, "Mia"), join(lan_port, code, "Ben")]
        try:
            class_runs = set()
            for student, idea in zip(students, ("Ein Fest im Regen", "Ein Turm aus Wolken"), strict=True):
                attitude = student.get("/api/class/me").json()["attitude_ids"][0]
                started = student.post(
                    "/api/interception", json={"config_id": attitude, "idea": idea, "language": "de"}
                ).json()
                assert final_state(read_events(student, started["job_id"])) == "succeeded"
                class_runs.add(started["run_id"])
            # The teacher's own demo is not the class's work.
            with app.client("de") as teacher:
                own = teacher.post(
                    "/api/interception",
                    json={"config_id": attitude, "idea": "Eine Demo", "language": "de"},
                ).json()
                assert final_state(read_events(teacher, own["job_id"])) == "succeeded"
            expect(student_card(page, "Ben").get_by_test_id("class-student-idea")).to_have_text(
                "Ein Turm aus Wolken"
            )

            page.evaluate(WATCH_EXPORT_STATE)
            with page.expect_download(timeout=30_000) as download_info:
                page.get_by_test_id("class-export").click()
            state = page.get_by_test_id("export-state")
            expect(state).to_have_attribute("data-status", "done")
            expect(state).to_contain_text("2 Läufe")
            expect(page.get_by_test_id("export-download")).to_be_visible()
            expect(page.get_by_test_id("class-export")).to_be_enabled()
            # On the way the page counted the runs written ("1 of 2", "2 of 2").
            shown: list[str] = page.evaluate("window.__exportStates")
            assert any(entry.startswith("running ") and "von 2" in entry for entry in shown), shown
            target = tmp_path / "class.zip"
            download_info.value.save_as(target)
            with zipfile.ZipFile(target) as archive:
                names = archive.namelist()
            assert "index.html" in names
            assert {name.split("/")[1] for name in names if name.startswith("runs/")} == class_runs
            assert not any(own["run_id"] in name for name in names)
        finally:
            for student in students:
                student.close()
        with app.client("de") as teacher:
            teacher.request("DELETE", "/api/classroom", json={})
    assert wide_page.csp_violations() == []
