"""The real app: with classroom mode off it listens on 127.0.0.1 only (checked on its sockets); a
class adds exactly one listener on the teacher's address and port, closing it removes it; the
dashboard's event stream follows a student joining; a settings.json of schema 4 (today's main)
keeps every value and gains the classroom defaults."""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import httpx
import psutil

from server.settings.migrations import CURRENT_VERSION
from tests.classroom.lan import LAN_ADDRESS, class_request, free_lan_port, student_client
from tests.support.app_process import AppProcess, start_app

# Written by main at 7ba7766 (schema 4): English, youth, LLM check always, the wizard done.
FIXTURE_V4 = Path(__file__).resolve().parents[1] / "fixtures" / "settings" / "v4-main-2026-12-05.json"
DEADLINE_S = 30.0


def _listening(app: AppProcess) -> set[tuple[str, int]]:
    connections = psutil.Process(app.process.pid).net_connections(kind="inet")
    return {(c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN}


def _wait_for(check: object, what: str) -> None:
    assert callable(check)
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _next_dashboard(lines: object) -> dict[str, object]:
    event = None
    for line in lines:  # type: ignore[attr-defined]
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "dashboard":
            data: dict[str, object] = json.loads(line.removeprefix("data: "))
            return data
    raise AssertionError("the stream ended without a dashboard event")


def test_the_lan_listener_opens_and_closes_with_the_class_and_nothing_else_listens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "config").mkdir(parents=True)
    shutil.copy(FIXTURE_V4, data / "config" / "settings.json")
    old = json.loads(FIXTURE_V4.read_text(encoding="utf-8"))

    with start_app(data) as app, app.client() as teacher:
        settings = teacher.get("/api/settings").json()
        for name in (
            "language",
            "safety_level",
            "safety_llm_check",
            "offline",
            "comfyui",
            "llm",
            "model_folders",
        ):
            assert settings[name] == old[name], name
        assert settings["classroom"] == {"address": None, "port": 8765, "per_student_limit": 1}

        # Classroom mode off: every listening socket of the app is on 127.0.0.1.
        assert {ip for ip, _ in _listening(app)} == {"127.0.0.1"}

        port = free_lan_port()
        opened = teacher.post("/api/classroom", json=class_request(teacher, port))
        assert opened.status_code == 201, opened.text
        assert (LAN_ADDRESS, port) in _listening(app)
        assert {ip for ip, _ in _listening(app)} == {"127.0.0.1", LAN_ADDRESS}
        assert teacher.get("/api/settings").json()["classroom"]["port"] == port

        with (
            httpx.stream(
                "GET", f"{app.base_url}/api/classroom/events", headers=teacher.headers, timeout=30
            ) as stream,
            student_client(port) as student,
        ):
            lines = stream.iter_lines()
            assert _next_dashboard(lines)["students"] == []
            joined = student.post("/api/class/join", json={"code": opened.json()["code"], "nickname": "Ada"})
            assert joined.status_code == 200, joined.text
            students = _next_dashboard(lines)["students"]
            assert isinstance(students, list) and students[0]["nickname"] == "Ada"

            assert teacher.request("DELETE", "/api/classroom").status_code == 200
            _wait_for(lambda: (LAN_ADDRESS, port) not in _listening(app), "the LAN listener closes")
            try:
                refused = student.get("/api/class/me").status_code
            except httpx.TransportError:
                refused = 0
            assert refused in (0, 401)
        assert {ip for ip, _ in _listening(app)} == {"127.0.0.1"}

        # A port another program holds: a plain answer, and the app keeps listening on loopback only.
        with socket.socket() as other_program:
            other_program.bind((LAN_ADDRESS, 0))
            other_program.listen()
            taken = other_program.getsockname()[1]
            busy = teacher.post("/api/classroom", json=class_request(teacher, taken))
        assert busy.status_code == 409 and busy.json()["error"]["code"] == "classroom_port_in_use"
        assert str(taken) in busy.json()["error"]["message"]
        assert teacher.get("/api/classroom").json()["open_class"] is None

    migrated = json.loads((data / "config" / "settings.json").read_text(encoding="utf-8"))
    assert migrated["schema_version"] == CURRENT_VERSION
