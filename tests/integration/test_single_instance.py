"""One app per data folder: a second start says so and ends; the first keeps running, PIN and all."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.app_process import REPO_ROOT, app_command, free_port, start_app


def test_a_second_start_on_the_same_data_folder_is_refused_and_the_first_keeps_its_pin(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with start_app(data) as first:
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
