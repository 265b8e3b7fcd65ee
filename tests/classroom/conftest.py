from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.classroom.lan import class_request, free_lan_port, student_client
from tests.support.in_process import InProcessApp, in_process_app


@dataclass
class OpenClassroom:
    """The app in this process (teacher calls through WSGI) with a class open on a real LAN listener."""

    api: InProcessApp
    teacher: httpx.Client
    port: int
    view: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.view["code"])

    def student(self) -> httpx.Client:
        return student_client(self.port)

    def joined(self, nickname: str) -> httpx.Client:
        """A student's device signed in (a fresh client that holds the login cookie, for ``with``)."""
        with self.student() as device:
            answer = device.post("/api/class/join", json={"code": self.code, "nickname": nickname})
            assert answer.status_code == 200, answer.text
            client = self.student()
            client.cookies = device.cookies
            return client


@pytest.fixture
def classroom(tmp_path: Path) -> Iterator[OpenClassroom]:
    with in_process_app(tmp_path / "app") as api, api.client() as teacher:
        port = free_lan_port()
        opened = teacher.post("/api/classroom", json=class_request(teacher, port))
        assert opened.status_code == 201, opened.text
        try:
            yield OpenClassroom(api, teacher, port, opened.json())
        finally:
            api.services.classroom.close()
