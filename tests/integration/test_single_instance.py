"""One app per data folder: a second start says so and ends; the first keeps running, PIN and all."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support import loopback_http
from tests.support.app_process import REPO_ROOT, app_command, free_port, start_app


def test_a_second_start_on_the_same_data_folder_is_refused_and_the_first_keeps_its_pin(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    # "is running at": printed once the app has said where a second start finds it.
    with start_app(data, wait_for="is running at") as first:
        with first.client() as client:
            assert client.put("/api/settings/teacher-pin", json={"new_pin": "4711"}).status_code == 200

        second = subprocess.run(
            [*app_command(), "--headless", "--port", str(free_port()), f"--data-dir={data}"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "already running with this data folder" in second.stderr, second.stderr
        assert "läuft schon mit diesem Datenordner" in second.stderr
        # Headless: there is no window to bring to the front, and it does not claim so.
        assert "window was brought to the front" not in second.stderr
        assert "is running at" not in second.stdout

        # The first app answered the second's request to show its window (headless: it says so).
        assert first.process.poll() is None
        assert "another start of the app asked for the window" in first.output()
        with first.client() as client:
            settings = client.get("/api/settings").json()
            assert settings["teacher_pin_set"] is True
            refused = client.put("/api/settings/safety-level", json={"level": "youth"})
            assert refused.status_code == 403
            assert (
                client.put("/api/settings/safety-level", json={"level": "youth", "pin": "4711"}).status_code
                == 200
            )
    # The launch token is in no file a second start (or anyone else) could read.
    for path in data.rglob("*"):
        if path.is_file() and not path.name.startswith("process-"):
            assert first.token.encode() not in path.read_bytes(), path


def test_after_the_first_app_ended_the_next_start_works(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_app(data) as first:
        pass
    assert first.process.returncode == 0
    with start_app(data) as again, again.client() as client:
        assert client.get("/api/settings").status_code == 200


def test_the_focus_request_needs_the_secret_of_the_owner_only_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_app(data, wait_for="is running at") as app:
        instance_file = data / "data" / "instance.json"
        assert instance_file.stat().st_mode & 0o077 == 0
        secret = json.loads(instance_file.read_text(encoding="utf-8"))["focus"]
        url = f"{app.base_url}/api/instance/focus"
        assert loopback_http.post(url).status_code == 403
        assert loopback_http.post(url, headers={"X-AI4ArtsEd-Focus": "guess"}).status_code == 403
        # The launch token is not a focus secret, and the focus secret is not a launch token.
        assert loopback_http.post(url, headers={"X-AI4ArtsEd-Focus": app.token}).status_code == 403
        as_token = loopback_http.get(
            f"{app.base_url}/api/settings", headers={"Authorization": f"Bearer {secret}"}
        )
        assert as_token.status_code == 401
        # A web page cannot ask either (foreign Origin).
        foreign = loopback_http.post(
            url, headers={"X-AI4ArtsEd-Focus": secret, "Origin": "http://evil.example"}
        )
        assert foreign.status_code == 403
        answered = loopback_http.post(url, headers={"X-AI4ArtsEd-Focus": secret})
        assert answered.status_code == 200 and answered.json() == {"window_shown": False}
    assert not instance_file.exists()
