"""The teacher's classroom endpoints: status, the dashboard, hiding, projection, queue and export
(issue 17, points 1 and 5, server side)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import httpx

from server.classroom.owner import RunOwner
from server.runs.models import RunStatus, SafetyVerdictRecord
from tests.classroom.conftest import OpenClassroom
from tests.classroom.lan import LAN_ADDRESS
from tests.support.job_events import final_state, read_events
from tests.support.run_folders import RunSpec, day, write_run


def _owner(student: httpx.Client) -> RunOwner:
    me = student.get("/api/class/me").json()
    return RunOwner(class_id=me["class_id"], student_id=me["student_id"], nickname=me["nickname"])


def _blocked_run(classroom: OpenClassroom, owner: RunOwner, idea: str) -> str:
    store = classroom.api.services.runs
    run = write_run(
        store, RunSpec(idea, day(5), medium=None, attitude=None, status=RunStatus.BLOCKED, owner=owner)
    )

    def block(record: object) -> None:
        assert hasattr(record, "safety")
        record.safety.append(
            SafetyVerdictRecord(
                stage="input", level="kids", decision="blocked", category="violence", at=datetime.now(UTC)
            )
        )

    store.update(run.id, block)
    store.flush()
    return run.id


def test_the_status_names_the_policy_the_addresses_and_the_open_class(classroom: OpenClassroom) -> None:
    status = classroom.teacher.get("/api/classroom").json()
    assert status["policy"] == {"allowed": True, "fixed": []}
    assert status["defaults"]["port"] == classroom.port  # remembered from the class just opened
    assert status["defaults"]["per_student_limit"] == 1
    assert all(entry["address"] != "127.0.0.1" for entry in status["addresses"])
    view = status["open_class"]
    assert view["join_url"] == f"http://{LAN_ADDRESS}:{classroom.port}/join"
    assert view["qr_svg"].startswith("<svg") and len(view["code"]) == 6
    second = classroom.teacher.post("/api/classroom", json={**_reopen_body(classroom)})
    assert second.status_code == 409 and second.json()["error"]["code"] == "classroom_already_open"


def _reopen_body(classroom: OpenClassroom) -> dict[str, object]:
    keys = ("address", "port", "attitude_ids", "output_ids", "safety_level", "per_student_limit")
    return {key: classroom.view[key] for key in keys}


def test_the_dashboard_shows_each_student_their_step_latest_result_and_the_blocks(
    classroom: OpenClassroom,
) -> None:
    with classroom.joined("Ada") as ada, classroom.joined("Bo") as bo:
        ada_owner, bo_owner = _owner(ada), _owner(bo)
        first = classroom.teacher.get("/api/classroom/dashboard").json()
        assert [(s["nickname"], s["step"], s["connected"]) for s in first["students"]] == [
            ("Ada", "joined", True),
            ("Bo", "joined", True),
        ]
        run = write_run(classroom.api.services.runs, RunSpec("Ein tanzender Regen", day(1), owner=ada_owner))
        blocked = _blocked_run(classroom, bo_owner, "something bad")
        classroom.api.services.runs.flush()
        board = classroom.teacher.get("/api/classroom/dashboard").json()
    students = {s["nickname"]: s for s in board["students"]}
    assert students["Ada"]["step"] == "done" and students["Ada"]["latest_idea"] == "Ein tanzender Regen"
    assert students["Ada"]["latest_run_id"] == run.id
    assert students["Ada"]["latest_media_url"] == f"/api/runs/{run.id}/media/g1.png"
    assert students["Bo"]["step"] == "blocked"
    assert [(b["run_id"], b["nickname"], b["category"]) for b in board["blocks"]] == [
        (blocked, "Bo", "violence")
    ]
    assert board["paused"] is False and board["projected_run_id"] is None


def test_a_student_reads_only_their_own_runs_and_media(classroom: OpenClassroom) -> None:
    store = classroom.api.services.runs
    with classroom.joined("Ada") as ada, classroom.joined("Bo") as bo:
        own = write_run(store, RunSpec("Adas Katze", day(1), owner=_owner(ada))).id
        other = write_run(store, RunSpec("Bos Hund", day(2), owner=_owner(bo))).id
        teachers = write_run(store, RunSpec("Demo", day(3))).id
        store.flush()
        for path in ("", "/detail", "/media/g1.png"):
            assert ada.get(f"/api/runs/{own}{path}").status_code == 200, path
            assert ada.get(f"/api/runs/{other}{path}").status_code == 403, path
            assert ada.get(f"/api/runs/{teachers}{path}").status_code == 403, path
        assert ada.get(f"/api/media/image/{own}").status_code == 200
        assert ada.get(f"/api/media/image/{other}").status_code == 403
        assert {run["id"] for run in ada.get("/api/runs").json()["runs"]} == {own}


def test_a_hidden_result_is_gone_for_the_student_and_cannot_be_projected(classroom: OpenClassroom) -> None:
    store = classroom.api.services.runs
    with classroom.joined("Ada") as ada:
        run = write_run(store, RunSpec("Adas Katze", day(1), owner=_owner(ada))).id
        store.flush()
        projected = classroom.teacher.put("/api/classroom/projection", json={"run_id": run})
        assert projected.status_code == 200 and projected.json()["projected_run_id"] == run
        hidden = classroom.teacher.put(f"/api/classroom/runs/{run}/hidden", json={"hidden": True})
        assert hidden.status_code == 200, hidden.text
        # Hiding takes it off the projector too.
        assert hidden.json()["projected_run_id"] is None
        assert ada.get(f"/api/runs/{run}").status_code == 404
        assert ada.get("/api/runs").json()["runs"] == []
        assert hidden.json()["students"][0]["latest_media_url"] is None
        again = classroom.teacher.put("/api/classroom/projection", json={"run_id": run})
        assert again.status_code == 409 and again.json()["error"]["code"] == "classroom_run_hidden"
        shown = classroom.teacher.put(f"/api/classroom/runs/{run}/hidden", json={"hidden": False})
        assert shown.status_code == 200
        assert ada.get(f"/api/runs/{run}").status_code == 200
    teachers = write_run(store, RunSpec("Demo", day(3))).id
    refused = classroom.teacher.put(f"/api/classroom/runs/{teachers}/hidden", json={"hidden": True})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "classroom_run_not_in_class"


def test_the_queue_can_be_paused_and_the_teacher_can_go_first(classroom: OpenClassroom) -> None:
    jobs = classroom.api.services.jobs
    paused = classroom.teacher.post("/api/classroom/queue", json={"paused": True, "teacher_first": True})
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused"] is True and paused.json()["teacher_first"] is True
    if hasattr(jobs, "is_paused"):  # the fair queue (server/jobs/manager.py) carries it out
        assert jobs.is_paused("generation")
    resumed = classroom.teacher.post("/api/classroom/queue", json={"paused": False}).json()
    assert resumed["paused"] is False and resumed["teacher_first"] is True
    classroom.teacher.post("/api/classroom/queue", json={"paused": True})
    assert classroom.teacher.request("DELETE", "/api/classroom").status_code == 200
    if hasattr(jobs, "is_paused"):  # a closed class leaves no paused queue behind
        assert not jobs.is_paused("generation")


def test_the_class_export_is_the_gallerys_job_with_progress_and_holds_the_class_runs_only(
    classroom: OpenClassroom,
) -> None:
    store = classroom.api.services.runs
    with classroom.joined("Ada") as ada, classroom.joined("Bo") as bo:
        adas = write_run(store, RunSpec("Adas Katze", day(1), owner=_owner(ada))).id
        bos = write_run(store, RunSpec("Bos Hund", day(2), owner=_owner(bo))).id
    other_class = write_run(
        store, RunSpec("Letztes Jahr", day(3), owner=RunOwner(class_id="old", student_id="x", nickname="X"))
    ).id
    teachers = write_run(store, RunSpec("Demo", day(4))).id
    store.flush()
    started = classroom.teacher.post("/api/runs/exports", json={"filter": {"class_id": classroom.view["id"]}})
    assert started.status_code == 202, started.text
    events = read_events(classroom.teacher, started.json()["job_id"])
    assert final_state(events) == "succeeded", events
    progress = [(event.data["value"], event.data["max"]) for event in events if event.type == "progress"]
    assert progress == [(1, 2), (2, 2)]
    result = [event.data for event in events if event.type == "state"][-1]["result"]
    assert result["runs"] == 2
    download = classroom.teacher.get(result["download_url"])
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    exported = {name.split("/")[1] for name in names if name.startswith("runs/")}
    assert exported == {adas, bos}
    assert not any(other_class in name or teachers in name for name in names)
    # The class's own export endpoint, which held the request open for up to 10 minutes, is gone.
    assert classroom.teacher.get("/api/classroom/export").status_code == 404


def test_open_and_close_need_the_teacher_pin_once_one_is_set(classroom: OpenClassroom) -> None:
    assert classroom.teacher.put("/api/settings/teacher-pin", json={"new_pin": "4711"}).status_code == 200
    refused = classroom.teacher.request("DELETE", "/api/classroom", json={})
    assert refused.status_code == 403
    assert classroom.teacher.request("DELETE", "/api/classroom", json={"pin": "4711"}).status_code == 200
    without = classroom.teacher.post("/api/classroom", json=_reopen_body(classroom))
    assert without.status_code == 403
    with_pin = classroom.teacher.post("/api/classroom", json={**_reopen_body(classroom), "pin": "4711"})
    assert with_pin.status_code == 201, with_pin.text


def test_a_class_never_runs_at_the_research_level_and_needs_a_choice(classroom: OpenClassroom) -> None:
    assert classroom.teacher.request("DELETE", "/api/classroom").status_code == 200
    research = classroom.teacher.post(
        "/api/classroom", json={**_reopen_body(classroom), "safety_level": "research"}
    )
    assert research.status_code == 400 and research.json()["error"]["code"] == "classroom_research_level"
    empty = classroom.teacher.post("/api/classroom", json={**_reopen_body(classroom), "attitude_ids": []})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "classroom_choose_an_attitude"
    unknown = classroom.teacher.post(
        "/api/classroom", json={**_reopen_body(classroom), "attitude_ids": ["nope"]}
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "classroom_unknown_choice"
    wildcard = classroom.teacher.post(
        "/api/classroom", json={**_reopen_body(classroom), "address": "0.0.0.0"}
    )
    assert wildcard.status_code == 400 and wildcard.json()["error"]["code"] == "classroom_address_invalid"
    assert classroom.teacher.get("/api/classroom").json()["open_class"] is None
    # Text attitudes only: a class without any output opens.
    text_only = classroom.teacher.post("/api/classroom", json={**_reopen_body(classroom), "output_ids": []})
    assert text_only.status_code == 201, text_only.text
