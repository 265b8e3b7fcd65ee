"""The lab policy's classroom rules through the API, and a student's bound of event streams on the
LAN listener (the app in this process, the LAN listener real on 127.0.0.2)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from server.api.security import credential_key
from server.api.student_access import STUDENT_STREAMS
from server.classroom.owner import RunOwner
from server.errors import AppError
from server.jobs.manager import JobContext
from tests.classroom.conftest import OpenClassroom
from tests.classroom.lan import LAN_ADDRESS, class_request, free_lan_port
from tests.support.in_process import in_process_app
from tests.support.job_events import parse_events


def _with_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: object) -> Path:
    path = tmp_path / "etc" / "policy.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(policy), encoding="utf-8")
    monkeypatch.setenv("AI4ARTSED_POLICY_FILE", str(path))
    return path


def test_a_policy_that_forbids_classroom_mode_refuses_every_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_policy(tmp_path, monkeypatch, {"classroom": {"allowed": False}})
    with in_process_app(tmp_path / "app") as api, api.client() as teacher:
        assert teacher.get("/api/classroom").json()["policy"] == {"allowed": False, "fixed": []}
        refused = teacher.post("/api/classroom", json=class_request(teacher, free_lan_port()))
        assert (
            refused.status_code == 403 and refused.json()["error"]["code"] == "classroom_forbidden_by_policy"
        )
        assert teacher.get("/api/classroom").json()["open_class"] is None


def test_a_policy_fixes_the_port_and_limit_and_the_safety_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_lan_port()
    _with_policy(
        tmp_path,
        monkeypatch,
        {
            "classroom": {"address": LAN_ADDRESS, "port": port, "per_student_limit": 2},
            "safety_level": "youth",
        },
    )
    with in_process_app(tmp_path / "app") as api, api.client() as teacher:
        status = teacher.get("/api/classroom").json()
        assert status["policy"] == {"allowed": True, "fixed": ["address", "per_student_limit", "port"]}
        # The fixed address is the default even though it is no interface's (loopback is never listed).
        assert status["defaults"] == {"address": LAN_ADDRESS, "port": port, "per_student_limit": 2}
        other_port = teacher.post(
            "/api/classroom", json=class_request(teacher, free_lan_port(), per_student_limit=2)
        )
        assert (
            other_port.status_code == 403 and other_port.json()["error"]["code"] == "setting_locked_by_policy"
        )
        other_level = teacher.post("/api/classroom", json=class_request(teacher, port, per_student_limit=2))
        assert other_level.status_code == 403  # the class asked for kids, the policy fixes youth
        opened = teacher.post(
            "/api/classroom", json=class_request(teacher, port, per_student_limit=2, safety_level="youth")
        )
        assert opened.status_code == 201, opened.text


def test_a_student_holds_a_few_event_streams_and_the_oldest_makes_room(classroom: OpenClassroom) -> None:
    release = threading.Event()

    def parked(_: JobContext) -> None:
        release.wait(60)

    with classroom.joined("Ada") as ada:
        me = ada.get("/api/class/me").json()
        owner = RunOwner(class_id=me["class_id"], student_id=me["student_id"], nickname=me["nickname"])
        job = classroom.api.services.jobs.submit("test", "text", parked, owner=owner.queue_key)
        path = f"/api/jobs/{job.id}/events"
        key = credential_key(ada.cookies["ai4artsed_class"])
        budget = classroom.api.streams
        try:
            with ada.stream("GET", path) as oldest:
                lines = oldest.iter_lines()
                others = [ada.stream("GET", path) for _ in range(STUDENT_STREAMS)]
                for opened, stream in enumerate(others, start=2):
                    assert stream.__enter__().status_code == 200
                    if opened == STUDENT_STREAMS:
                        # Up to the bound, every stream stays open.
                        assert budget.open_count(key) == STUDENT_STREAMS
                ended = next(event for event in parse_events(lines) if event.type == "end")
                assert ended.data == {"reason": "replaced"}
                assert budget.open_count(key) == STUDENT_STREAMS
                for stream in others:
                    stream.__exit__(None, None, None)
        finally:
            release.set()


def test_the_class_limit_bounds_a_students_jobs_and_the_dashboard_names_the_queue(
    classroom: OpenClassroom,
) -> None:
    jobs = classroom.api.services.jobs
    if not hasattr(jobs, "queue_snapshot"):
        pytest.skip("the fair queue (owner limit, queue snapshot) is not in this checkout")
    release = threading.Event()

    def parked(_: JobContext) -> None:
        release.wait(60)

    with classroom.joined("Ada") as ada:
        me = ada.get("/api/class/me").json()
        key = RunOwner(
            class_id=me["class_id"], student_id=me["student_id"], nickname=me["nickname"]
        ).queue_key
        try:
            first = jobs.submit("generation", "generation", parked, owner=key)
            with pytest.raises(AppError) as refused:
                jobs.submit("generation", "generation", parked, owner=key)
            assert refused.value.code == "queue_limit_reached"
            teachers = jobs.submit("generation", "generation", parked)  # the teacher is never limited
            queue = classroom.teacher.get("/api/classroom/dashboard").json()["queue"]
            named = {entry["job_id"]: entry["nickname"] for entry in queue}
            assert named[first.id] == "Ada" and named[teachers.id] is None
        finally:
            release.set()
