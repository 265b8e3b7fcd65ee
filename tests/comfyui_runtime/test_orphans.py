"""ComfyUI processes a crashed app leaves behind are stopped at the next launch.

Where the platform ties children to the app (Linux), ComfyUI itself dies with the killed app; its
own child (a custom node's helper, here the tree wrapper's grandchild) is not tied and must be found
through the process record. The rules for what counts as ours are tested in tests/child_processes/.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import psutil

from server.child_processes.record import ProcessRecordFile
from tests.comfyui_runtime.targets import ComfyUITarget
from tests.comfyui_runtime.tree_wrapper import grandchild_pid, is_running, make_tree_wrapper, wait_until_gone
from tests.support.app_process import AppProcess, start_app


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
        _wait_until_recorded(data_dir / "data" / "child-processes.json", grandchild)

        first.process.kill()  # the app dies without stopping anything
        first.process.wait(10)
        if sys.platform.startswith("linux"):
            assert wait_until_gone(root), "ComfyUI should have died with the killed app (parent-death signal)"
        assert is_running(grandchild), "ComfyUI's own child is not tied to the app and outlives it"

        with start_app(data_dir, extra_args=args) as second:
            fresh = wait_for_comfyui(second, target.ready_timeout_s, not_pid=root)
            leftovers.append(int(str(fresh["pid"])))
            assert wait_until_gone(root), "the orphaned ComfyUI was not stopped"
            assert wait_until_gone(grandchild), "the orphan's child was not stopped"
            assert "left over from an earlier run" in second.output()
        assert wait_until_gone(int(str(fresh["pid"])))
    finally:
        for pid in leftovers:
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(pid).kill()


def _wait_until_recorded(path: Path, pid: int) -> None:
    deadline = time.monotonic() + 15
    while True:
        loaded = ProcessRecordFile(path).load()
        if loaded is not None and pid in [
            entry.pid for child in loaded.children for entry in child.processes
        ]:
            return
        assert time.monotonic() < deadline, "the grandchild never appeared in the process record"
        time.sleep(0.1)
