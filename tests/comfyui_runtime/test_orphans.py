"""ComfyUI processes left behind by a crashed app are stopped at the next launch; nothing else ever is."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from server.atomic_write import write_model_atomic
from server.comfyui.process_tree import ProcessRecord, ProcessRecordFile, RecordedProcess, describe
from tests.comfyui_runtime.targets import ComfyUITarget
from tests.comfyui_runtime.tree_wrapper import grandchild_pid, is_running, make_tree_wrapper, wait_until_gone
from tests.support.app_process import AppProcess, start_app

MARKER = "/data/comfyui/user"


def wait_for_comfyui(app: AppProcess, timeout: float, not_pid: int | None = None) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    with app.client() as client:
        while True:
            status: dict[str, object] = client.get("/api/comfyui/status").json()
            if status["state"] == "ready" and status["pid"] != not_pid:
                return status
            assert status["state"] in ("starting", "stopped", "ready"), status
            assert time.monotonic() < deadline, f"ComfyUI not ready in time: {status}\n{app.output()}"
            time.sleep(0.1)


def test_a_crashed_apps_comfyui_tree_is_stopped_at_the_next_launch(
    target: ComfyUITarget, tmp_path: Path
) -> None:
    wrapper = make_tree_wrapper(tmp_path / "wrapped-comfyui", target.directory)
    data_dir = tmp_path / "app"
    args = ["--comfyui-dir", str(wrapper), "--comfyui-python", str(target.python)]
    leftovers: list[int] = []
    try:
        first = start_app(data_dir, extra_args=args)
        status = wait_for_comfyui(first, target.ready_timeout_s)
        root = int(str(status["pid"]))
        grandchild = grandchild_pid(wrapper)
        leftovers += [root, grandchild]
        (wrapper / "grandchild.pid").unlink()
        _wait_until_recorded(data_dir / "data" / "comfyui" / "processes.json", grandchild)

        first.process.kill()  # the app dies without stopping anything
        first.process.wait(10)
        assert is_running(root) and is_running(grandchild), "ComfyUI should have outlived the killed app"

        with start_app(data_dir, extra_args=args) as second:
            fresh = wait_for_comfyui(second, target.ready_timeout_s, not_pid=root)
            leftovers.append(int(str(fresh["pid"])))
            assert wait_until_gone(root), "the orphaned ComfyUI was not stopped"
            assert wait_until_gone(grandchild), "the orphan's child was not stopped"
            assert "left over from an earlier run" in second.output() + _log_lines(second)
        assert wait_until_gone(int(str(fresh["pid"])))
    finally:
        for pid in leftovers:
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(pid).kill()


def _wait_until_recorded(path: Path, pid: int) -> None:
    deadline = time.monotonic() + 15
    while True:
        loaded = ProcessRecordFile(path).load()
        if loaded is not None and pid in [entry.pid for entry in loaded.processes]:
            return
        assert time.monotonic() < deadline, "the grandchild never appeared in the process record"
        time.sleep(0.1)


def _log_lines(app: AppProcess) -> str:
    with app.client() as client:
        return "\n".join(line["text"] for line in client.get("/api/comfyui/logs").json()["lines"])


# ---------------------------------------------------------------- foreign processes


@pytest.fixture
def foreign() -> Iterator[psutil.Process]:
    """A process the app did not start, whose command line even mentions a folder like ours."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "main.py", "--user-directory", MARKER]
    )
    try:
        yield psutil.Process(process.pid)
    finally:
        process.kill()
        process.wait(10)


def described(process: psutil.Process) -> RecordedProcess:
    """The process as a record would hold it, once its command line is readable (just after exec)."""
    deadline = time.monotonic() + 10
    while (entry := describe(process)) is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return entry


def gone_app() -> RecordedProcess:
    """The record's owner: an app that is no longer running."""
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    entry = described(psutil.Process(process.pid))
    process.communicate(b"", timeout=10)
    return entry


def record(path: Path, owner: RecordedProcess, *processes: RecordedProcess) -> ProcessRecordFile:
    write_model_atomic(path, ProcessRecord(owner=owner, processes=list(processes)))
    return ProcessRecordFile(path)


@pytest.mark.parametrize(
    "tamper",
    ["other_create_time", "other_cmdline", "record_without_our_folder", "owner_still_running"],
)
def test_a_process_that_only_looks_like_ours_is_never_touched(
    foreign: psutil.Process, tmp_path: Path, tamper: str
) -> None:
    exact = described(foreign)
    owner = gone_app()
    entry = exact
    if tamper == "other_create_time":
        # The pid was reused: same number, later start.
        entry = exact.model_copy(update={"create_time": exact.create_time - 30})
    elif tamper == "other_cmdline":
        entry = exact.model_copy(update={"cmdline": [*exact.cmdline[:-1], "/elsewhere/user"]})
    elif tamper == "record_without_our_folder":
        records = record(tmp_path / "processes.json", owner, entry)
        assert records.reap_orphans("/another/app/comfyui/user", grace_s=2) == []
        assert is_running(foreign.pid)
        return
    elif tamper == "owner_still_running":
        # Another instance of the app uses the same data folder: its ComfyUI is not an orphan.
        runner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            other_app = described(psutil.Process(runner.pid))
            records = record(tmp_path / "processes.json", other_app, entry)
            assert records.reap_orphans(MARKER, grace_s=2) == []
            assert is_running(foreign.pid)
        finally:
            runner.kill()
            runner.wait(10)
        return
    records = record(tmp_path / "processes.json", owner, entry)

    assert records.reap_orphans(MARKER, grace_s=2) == []

    assert is_running(foreign.pid)
    assert not records.path.exists(), "a record that matched nothing is dropped"


def test_an_exactly_matching_orphan_is_stopped(foreign: psutil.Process, tmp_path: Path) -> None:
    # The control for the test above: with every detail matching, the process is ours and goes.
    exact = described(foreign)
    records = record(tmp_path / "processes.json", gone_app(), exact)

    assert records.reap_orphans(MARKER, grace_s=2) == [foreign.pid]

    assert wait_until_gone(foreign.pid)


def test_an_unreadable_record_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "processes.json"
    path.write_text("{not json", encoding="utf-8")
    assert ProcessRecordFile(path).reap_orphans(MARKER, grace_s=1) == []
