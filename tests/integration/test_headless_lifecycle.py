"""--headless prints the URL with the token on one line and ends cleanly on SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

from tests.support import loopback_http
from tests.support.app_process import REPO_ROOT, app_command, free_port, start_app


def test_headless_prints_the_url_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    app = start_app(tmp_path / "data", wait_for="is running at")
    try:
        match = re.search(r"AI4ArtsEd is running at (http://127\.0\.0\.1:\d+/\?token=\S+)", app.output())
        assert match is not None, app.output()
        assert match.group(1) == app.launch_url
        page = loopback_http.get(match.group(1), follow_redirects=True)
        assert page.status_code == 200, "the web UI must be built first (make test does it)"
        assert '<div id="app"' in page.text
    finally:
        code = app.stop()
    assert code == 0
    assert "stopped" in app.output()


def test_headless_exits_0_on_ctrl_c(tmp_path: Path) -> None:
    app = start_app(tmp_path / "data")
    app.process.send_signal(signal.SIGINT)
    assert app.process.wait(30) == 0


def test_port_in_use_is_explained_and_exits_2(tmp_path: Path) -> None:
    with start_app(tmp_path / "first") as running:
        result = subprocess.run(
            [
                *app_command(),
                "--headless",
                "--port",
                str(running.port),
                "--data-dir",
                str(tmp_path / "second"),
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {running.port} is already in use" in result.stderr


def test_too_short_token_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *app_command(),
            "--headless",
            "--port",
            str(free_port()),
            "--token",
            "short",
            "--data-dir",
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "at least 16 characters" in result.stderr
