"""The one supervision path with real processes: children die with a killed app where the platform
allows it, what survives is stopped at the next start, and nothing that is not ours is ever touched."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from server.child_processes import ChildProcesses, SupervisedChild
from server.child_processes.record import (
    MARKER_VARIABLE,
    ProcessRecord,
    ProcessRecordFile,
    RecordedChild,
    RecordedProcess,
    describe,
)
from tests.support.app_process import REPO_ROOT

ON_LINUX = sys.platform.startswith("linux")
SLEEP = [sys.executable, "-c", "import time; time.sleep(600)"]
OLD_MARKER = "0123456789abcdef0123456789abcdef"


def is_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until_gone(pid: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while is_running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def kill_quietly(*pids: int) -> None:
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(pid).kill()


# ---------------------------------------------------------------- a killed app


def test_a_killed_apps_child_dies_with_it_and_the_childs_own_child_is_reaped_at_the_next_start(
    tmp_path: Path,
) -> None:
    record_file = tmp_path / "child-processes.json"
    report = tmp_path / "report.json"
    app = subprocess.Popen(
        [sys.executable, "-m", "tests.child_processes.crashing_app", str(record_file), str(report)],
        cwd=REPO_ROOT,
    )
    pids: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 60
        while not report.exists():
            assert app.poll() is None, "the stand-in app ended early"
            assert time.monotonic() < deadline, "the stand-in app never reported its children"
            time.sleep(0.05)
        pids = json.loads(report.read_text(encoding="utf-8"))

        app.send_signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        app.wait(10)

        if ON_LINUX:
            assert wait_until_gone(pids["child"]), "the child should die with the app (parent-death signal)"
        assert is_running(pids["grandchild"]), "the grandchild is not tied to the app: it is the orphan"

        next_start = ChildProcesses(record_file, reap_grace_s=5)
        reaped = next_start.reap_orphans()

        assert pids["grandchild"] in reaped
        assert wait_until_gone(pids["grandchild"])
        assert not record_file.exists(), "the old record is gone once its processes are"
        assert next_start.reap_orphans() == [], "reaping happens once per app run"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        kill_quietly(*pids.values())


def test_a_child_outlives_the_thread_that_asked_for_it(tmp_path: Path) -> None:
    # Linux sends the parent-death signal when the *thread* that forked the child ends; job workers
    # and request threads ask for children, so the fork must happen on a thread that stays.
    children = ChildProcesses(tmp_path / "child-processes.json")
    started: list[SupervisedChild] = []
    asking = threading.Thread(
        target=lambda: started.append(children.spawn("sleeper", SLEEP, env=dict(os.environ)))
    )
    asking.start()
    asking.join(30)
    try:
        assert started, "spawn did not return"
        time.sleep(0.5)  # an exiting thread's signal would have arrived by now
        assert started[0].poll() is None, "the child died with the thread that started it"
    finally:
        children.shutdown(grace_s=5)
    assert wait_until_gone(started[0].pid)


def test_the_record_names_processes_without_command_lines_or_secrets(tmp_path: Path) -> None:
    record_file = tmp_path / "child-processes.json"
    children = ChildProcesses(record_file)
    secret = "not-for-the-record-" + os.urandom(8).hex()
    child = children.spawn("sleeper", [*SLEEP, "--some-flag"], env={**os.environ, "SOME_KEY": secret})
    try:
        text = record_file.read_text(encoding="utf-8")
        record = json.loads(text)
        assert record["children"][0]["name"] == "sleeper"
        assert record["children"][0]["processes"][0]["pid"] == child.pid
        assert set(record["children"][0]["processes"][0]) == {"pid", "create_time"}
        assert set(record["owner"]) == {"pid", "create_time"}
        assert secret not in text and "--some-flag" not in text and "cmdline" not in text
        if os.name == "posix":
            assert record_file.stat().st_mode & 0o777 == 0o600
        assert psutil.Process(child.pid).environ()[MARKER_VARIABLE] == children.marker
    finally:
        child.stop(grace_s=5)
    assert child.poll() is not None
    assert not record_file.exists(), "a stopped child leaves the record"


# ---------------------------------------------------------------- what is never touched


@pytest.fixture
def foreign() -> Iterator[psutil.Process]:
    """A process the app did not start (no marker in its environment)."""
    env = {name: value for name, value in os.environ.items() if name != MARKER_VARIABLE}
    process = subprocess.Popen(SLEEP, env=env)
    try:
        yield psutil.Process(process.pid)
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture
def old_orphan() -> Iterator[psutil.Process]:
    """A process that carries the marker of an earlier app run, as its orphans do."""
    process = subprocess.Popen(SLEEP, env={**os.environ, MARKER_VARIABLE: OLD_MARKER})
    try:
        yield psutil.Process(process.pid)
    finally:
        process.kill()
        process.wait(10)


def described(process: psutil.Process) -> RecordedProcess:
    entry = describe(process)
    assert entry is not None
    return entry


def gone_app() -> RecordedProcess:
    """The record's owner: an app that is no longer running."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    entry = described(psutil.Process(process.pid))
    process.wait(10)
    return entry


def write_record(
    path: Path, owner: RecordedProcess, entry: RecordedProcess, marker: str = OLD_MARKER
) -> None:
    ProcessRecordFile(path).save(
        ProcessRecord(owner=owner, marker=marker, children=[RecordedChild(name="comfyui", processes=[entry])])
    )


@pytest.mark.parametrize(
    "tamper", ["reused_pid", "no_marker", "other_marker", "owner_still_running", "owner_is_this_process"]
)
def test_a_process_that_only_looks_like_ours_is_never_touched(
    foreign: psutil.Process, old_orphan: psutil.Process, tmp_path: Path, tamper: str
) -> None:
    record_file = tmp_path / "child-processes.json"
    owner = gone_app()
    target = old_orphan
    entry = described(old_orphan)
    marker = OLD_MARKER
    runner: subprocess.Popen[bytes] | None = None
    if tamper == "reused_pid":
        # Same number, but another start: the pid was given to a later program.
        entry = entry.model_copy(update={"create_time": entry.create_time - 30})
    elif tamper == "no_marker":
        target = foreign
        entry = described(foreign)
    elif tamper == "other_marker":
        marker = "fedcba9876543210fedcba9876543210"
    elif tamper == "owner_still_running":
        # Another instance of the app uses the same data folder: its children are not orphans.
        runner = subprocess.Popen(SLEEP)
        owner = described(psutil.Process(runner.pid))
    elif tamper == "owner_is_this_process":
        # Another ChildProcesses in this very process wrote it: its children are alive and ours.
        owner = described(psutil.Process(os.getpid()))
    write_record(record_file, owner, entry, marker)
    try:
        assert ChildProcesses(record_file, reap_grace_s=2).reap_orphans() == []
        assert is_running(target.pid)
    finally:
        if runner is not None:
            runner.kill()
            runner.wait(10)


def test_an_exactly_matching_orphan_is_stopped(old_orphan: psutil.Process, tmp_path: Path) -> None:
    # The control for the test above: with pid, start time and marker matching, the process is ours.
    record_file = tmp_path / "child-processes.json"
    write_record(record_file, gone_app(), described(old_orphan))

    assert ChildProcesses(record_file, reap_grace_s=2).reap_orphans() == [old_orphan.pid]

    assert wait_until_gone(old_orphan.pid)
    assert not record_file.exists()


def test_a_spawn_reaps_first(old_orphan: psutil.Process, tmp_path: Path) -> None:
    # The old record must be read before the first child of this run replaces it.
    record_file = tmp_path / "child-processes.json"
    write_record(record_file, gone_app(), described(old_orphan))
    children = ChildProcesses(record_file, reap_grace_s=2)
    child = children.spawn("sleeper", SLEEP, env=dict(os.environ))
    try:
        assert wait_until_gone(old_orphan.pid)
        record = ProcessRecordFile(record_file).load()
        assert record is not None and record.marker == children.marker
    finally:
        children.shutdown(grace_s=5)
    assert wait_until_gone(child.pid)


def test_an_unreadable_record_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "child-processes.json"
    path.write_text("{not json", encoding="utf-8")
    assert ChildProcesses(path).reap_orphans() == []
