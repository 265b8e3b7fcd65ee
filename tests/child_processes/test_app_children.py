"""The real app and its child processes: the process record keeps no secret, and what a crashed
earlier run left behind is stopped when the app starts again (and only that)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from server.child_processes.record import (
    MARKER_VARIABLE,
    ProcessRecord,
    ProcessRecordFile,
    RecordedChild,
    RecordedProcess,
    describe,
)
from tests.comfyui_runtime import targets
from tests.support.app_process import AppProcess, start_app

SLEEP = [sys.executable, "-c", "import time; time.sleep(600)"]
OLD_MARKER = "00112233445566778899aabbccddeeff"


def is_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def written_files(app: AppProcess) -> Iterator[Path]:
    """Every file the app wrote into its folders (not the test's capture of its console)."""
    for path in app.data_dir.rglob("*"):
        if path.is_file() and path != app.log_path:
            yield path


def test_the_launch_token_is_in_no_file_the_app_writes(tmp_path: Path) -> None:
    # Before, ComfyUI's process record held the app's command line, and with it --token.
    comfyui = targets.testserver_target()
    args = ["--comfyui-dir", str(comfyui.directory), "--comfyui-python", str(comfyui.python)]
    # An earlier version's record, which held an earlier launch's token: it is removed at start.
    legacy = tmp_path / "app" / "data" / "comfyui" / "processes.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_text('{"owner": {"cmdline": ["ai4artsed", "--token=earlier-token"]}}', encoding="utf-8")
    with start_app(tmp_path / "app", extra_args=args) as app, app.client() as client:
        assert not legacy.exists()
        deadline = time.monotonic() + comfyui.ready_timeout_s
        while client.get("/api/comfyui/status").json()["state"] != "ready":
            assert time.monotonic() < deadline, app.output()
            time.sleep(0.1)
        record_file = app.data_dir / "data" / "child-processes.json"
        wait_for(record_file.exists, "ComfyUI is not in the process record")
        leaks = [path for path in written_files(app) if app.token.encode() in path.read_bytes()]
        assert leaks == [], f"the launch token is in {leaks}"
        if os.name == "posix":
            assert record_file.stat().st_mode & 0o777 == 0o600


def test_the_leftovers_of_a_crashed_run_are_stopped_at_start_and_nothing_else(tmp_path: Path) -> None:
    data_dir = tmp_path / "app"
    # What a crashed run leaves: a child with that run's marker, recorded with the run's marker.
    orphan = subprocess.Popen(SLEEP, env={**os.environ, MARKER_VARIABLE: OLD_MARKER})
    # A program that is not ours, even though the record names its pid and start time exactly.
    foreign = subprocess.Popen(SLEEP)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    owner = _described(gone.pid)
    gone.wait(10)
    try:
        ProcessRecordFile(data_dir / "data" / "child-processes.json").save(
            ProcessRecord(
                owner=owner,
                marker=OLD_MARKER,
                children=[
                    RecordedChild(name="llm-engine", processes=[_described(orphan.pid)]),
                    RecordedChild(name="comfyui", processes=[_described(foreign.pid)]),
                ],
            )
        )
        with start_app(data_dir) as app:
            wait_for(lambda: orphan.poll() is not None, "the orphan of the crashed run was not stopped")
            wait_for(lambda: "left over from an earlier run" in app.output(), "the clean-up is not logged")
            assert foreign.poll() is None, "a process without our marker was touched"
    finally:
        for process in (orphan, foreign):
            process.kill()
            process.wait(10)


def _described(pid: int) -> RecordedProcess:
    entry = describe(psutil.Process(pid))
    assert entry is not None
    return entry


@pytest.fixture(autouse=True)
def _no_marker_in_the_test_environment() -> None:
    # The tests stand in for the app's parent; they must not look like one of its children.
    assert MARKER_VARIABLE not in os.environ
