"""The supervisor starts, watches, restarts and stops real ComfyUI processes (test server, real ComfyUI)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import psutil
import pytest

from server.comfyui.status import ComfyUIState, status_messages
from server.comfyui.supervisor import LaunchConfig
from server.errors import AppError
from server.settings.models import ComfyUIMode
from tests.comfyui_runtime.conftest import RigFactory, target_config
from tests.comfyui_runtime.rig import managed_config
from tests.comfyui_runtime.targets import ComfyUITarget
from tests.comfyui_runtime.tree_wrapper import grandchild_pid, is_running, make_tree_wrapper, wait_until_gone
from tests.support import loopback_http


def test_start_becomes_ready_with_our_folders_flags_and_model_paths(
    target: ComfyUITarget, make_rig: RigFactory
) -> None:
    rig = make_rig(target_config(target), ready_timeout_s=target.ready_timeout_s)
    placed = rig.folders.models_dir / "checkpoints" / "placed-by-test.safetensors"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(b"")

    rig.supervisor.start()
    status = rig.supervisor.wait_until_ready(target.ready_timeout_s)

    assert rig.recorder.states()[0] is ComfyUIState.STARTING
    assert status.url is not None and status.url.startswith("http://127.0.0.1:")
    assert status.version is not None and status.version.startswith("0.3.")
    stats = loopback_http.get(f"{status.url}/system_stats", timeout=10).json()
    argv: list[str] = stats["system"]["argv"]
    state = rig.folders.state_dir.resolve()
    assert argv[argv.index("--listen") + 1] == "127.0.0.1"
    assert argv[argv.index("--output-directory") + 1] == str(state / "output")
    assert argv[argv.index("--user-directory") + 1] == str(state / "user")
    assert argv[argv.index("--database-url") + 1] == f"sqlite:///{state / 'comfyui.db'}"
    assert argv[argv.index("--preview-method") + 1] == "latent2rgb"
    assert "--disable-auto-launch" in argv and "--cpu" in argv
    for forbidden in ("--front-end-version", "--windows-standalone-build", "0.0.0.0"):
        assert forbidden not in argv
    # Our extra_model_paths.yaml makes the managed models folder ComfyUI's default one.
    listed = loopback_http.get(f"{status.url}/models/checkpoints", timeout=10).json()
    assert "placed-by-test.safetensors" in listed
    record_file = rig.folders.state_dir / "child-processes.json"
    record = json.loads(record_file.read_text(encoding="utf-8"))
    assert record["children"][0]["name"] == "comfyui"
    assert record["children"][0]["processes"][0]["pid"] == status.pid
    if os.name == "posix":
        assert record_file.stat().st_mode & 0o777 == 0o600
    assert "[AI4ArtsEd] starting ComfyUI" in rig.log_text()
    assert rig.folders.log_file.is_file()

    stopped = rig.supervisor.stop()
    assert stopped.state is ComfyUIState.STOPPED
    assert status.pid is not None and not is_running(status.pid)
    assert not record_file.exists()


def test_a_crash_after_a_good_start_restarts_with_backoff(
    target: ComfyUITarget, make_rig: RigFactory
) -> None:
    rig = make_rig(target_config(target), ready_timeout_s=target.ready_timeout_s)
    rig.supervisor.start()
    first = rig.supervisor.wait_until_ready(target.ready_timeout_s)
    assert first.pid is not None
    seen = rig.recorder.count()

    os.kill(first.pid, signal.SIGKILL)

    crashed = rig.recorder.wait_for_state(ComfyUIState.CRASHED, 30, after=seen)
    assert crashed.crashes == 1
    assert crashed.restart_in_s == 0.2
    assert crashed.reason is not None and crashed.reason.params.get("exit_code") == str(-signal.SIGKILL)
    again = rig.recorder.wait_for_state(ComfyUIState.READY, target.ready_timeout_s, after=seen)
    assert again.pid != first.pid and again.crashes == 1
    assert again.url is not None
    assert loopback_http.get(f"{again.url}/system_stats", timeout=10).status_code == 200


def test_repeated_crashes_end_in_failed_with_an_explanation(
    testserver: ComfyUITarget, make_rig: RigFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMFYUI_TESTSERVER_CRASH_AFTER", "0.3")
    rig = make_rig(target_config(testserver))
    rig.supervisor.start()

    failed = rig.recorder.wait_for_state(ComfyUIState.FAILED, 60)

    assert failed.crashes == 3
    crashed = [status for status in rig.recorder.statuses if status.state is ComfyUIState.CRASHED]
    assert [status.restart_in_s for status in crashed] == [0.2, 0.4]
    assert rig.recorder.states().count(ComfyUIState.READY) == 3
    assert failed.reason is not None
    assert failed.reason.code == "comfyui_exited_with_message"
    assert failed.reason.params["exit_code"] == "1"
    assert [line.code for line in status_messages(failed)] == [
        "comfyui_gave_up",
        "comfyui_exited_with_message",
    ]
    with pytest.raises(AppError) as raised:
        rig.supervisor.wait_until_ready(1)
    assert raised.value.code == "comfyui_exited_with_message"


def test_a_taken_port_is_explained(target: ComfyUITarget, make_rig: RigFactory) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        rig = make_rig(
            target_config(target), ready_timeout_s=target.ready_timeout_s, choose_port=lambda: port
        )
        rig.supervisor.start()
        failed = rig.recorder.wait_for_state(ComfyUIState.FAILED, target.ready_timeout_s)
    assert failed.reason is not None
    assert failed.reason.code == "comfyui_port_in_use"
    assert failed.reason.params == {"port": str(port)}


def test_a_missing_python_module_is_explained(
    target: ComfyUITarget, make_rig: RigFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    if target.is_real:
        # The app's own Python has no PyTorch: ComfyUI's imports fail the way a broken install does.
        config = managed_config(target.directory, Path(sys.executable))
    else:
        monkeypatch.setenv("COMFYUI_TESTSERVER_FAIL_AT_START", "torch_missing")
        config = target_config(target)
    rig = make_rig(config)
    rig.supervisor.start()
    failed = rig.recorder.wait_for_state(ComfyUIState.FAILED, 60)
    assert failed.reason is not None
    assert failed.reason.code == "comfyui_module_missing"
    assert failed.reason.params["module"]
    if not target.is_real:
        assert failed.reason.params["module"] == "torch"


def test_a_missing_gpu_driver_is_explained(
    testserver: ComfyUITarget, make_rig: RigFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMFYUI_TESTSERVER_FAIL_AT_START", "cuda_missing")
    rig = make_rig(target_config(testserver, device_flags=()))
    rig.supervisor.start()
    failed = rig.recorder.wait_for_state(ComfyUIState.FAILED, 60)
    assert failed.reason is not None and failed.reason.code == "comfyui_no_gpu"


def test_a_server_that_never_answers_times_out_and_is_stopped(
    testserver: ComfyUITarget, make_rig: RigFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMFYUI_TESTSERVER_STALL", "1")
    rig = make_rig(target_config(testserver), ready_timeout_s=1.5)
    rig.supervisor.start()
    starting = rig.recorder.wait_for(lambda s: s.state is ComfyUIState.STARTING and s.pid is not None, 30)
    failed = rig.recorder.wait_for_state(ComfyUIState.FAILED, 30)
    assert failed.reason is not None
    assert failed.reason.code == "comfyui_start_timeout"
    assert failed.reason.params == {"seconds": "2"}
    assert starting.pid is not None and wait_until_gone(starting.pid)


@pytest.mark.parametrize(
    ("layout", "code"),
    [
        ("missing_folder", "comfyui_folder_missing"),
        ("no_main_py", "comfyui_not_a_comfyui_folder"),
        ("no_python_anywhere", "comfyui_python_missing"),
        ("configured_python_missing", "comfyui_python_not_found"),
    ],
)
def test_an_unusable_install_is_explained_without_starting_anything(
    tmp_path: Path, make_rig: RigFactory, layout: str, code: str
) -> None:
    folder = tmp_path / "ComfyUI"
    python: Path | None = None
    if layout != "missing_folder":
        folder.mkdir()
    if layout in ("no_python_anywhere", "configured_python_missing"):
        (folder / "main.py").write_text("raise SystemExit(3)\n", encoding="utf-8")
    if layout == "configured_python_missing":
        python = tmp_path / "nowhere" / "python"
    rig = make_rig(managed_config(folder, python))
    rig.supervisor.start()
    failed = rig.recorder.wait_for_state(ComfyUIState.FAILED, 10)
    assert failed.reason is not None and failed.reason.code == code
    assert failed.pid is None


def test_stop_ends_the_whole_process_tree(
    target: ComfyUITarget, make_rig: RigFactory, tmp_path: Path
) -> None:
    wrapper = make_tree_wrapper(tmp_path / "wrapped-comfyui", target.directory)
    rig = make_rig(managed_config(wrapper, target.python), ready_timeout_s=target.ready_timeout_s)
    rig.supervisor.start()
    status = rig.supervisor.wait_until_ready(target.ready_timeout_s)
    assert status.pid is not None
    grandchild = grandchild_pid(wrapper)
    assert grandchild in [child.pid for child in psutil.Process(status.pid).children(recursive=True)]
    # The record lists the grandchild too, so a crashed app's successor could find it.
    deadline = time.monotonic() + 15
    while not _recorded(rig.folders.state_dir, grandchild):
        assert time.monotonic() < deadline, "the grandchild never appeared in the process record"
        time.sleep(0.1)

    rig.supervisor.stop()

    assert wait_until_gone(status.pid)
    assert wait_until_gone(grandchild)


def _recorded(state_dir: Path, pid: int) -> bool:
    record = state_dir / "child-processes.json"
    if not record.exists():
        return False
    children = json.loads(record.read_text(encoding="utf-8"))["children"]
    return pid in [entry["pid"] for child in children for entry in child["processes"]]


def test_external_mode_follows_whether_the_url_answers(
    testserver: ComfyUITarget, make_rig: RigFactory
) -> None:
    managed = make_rig(target_config(testserver), name="managed")
    managed.supervisor.start()
    url = managed.supervisor.wait_until_ready(testserver.ready_timeout_s).url
    assert url is not None
    external = make_rig(LaunchConfig(mode=ComfyUIMode.EXTERNAL, url=url + "/"), name="external")

    external.supervisor.start()
    ready = external.supervisor.wait_until_ready(10)
    assert ready.url == url and ready.pid is None
    seen = external.recorder.count()
    managed.supervisor.stop()
    gone = external.recorder.wait_for_state(ComfyUIState.FAILED, 30, after=seen)
    assert gone.reason is not None
    assert gone.reason.code == "comfyui_external_unreachable"
    assert gone.reason.params == {"url": url}


def test_an_external_url_must_be_http(make_rig: RigFactory) -> None:
    rig = make_rig(LaunchConfig(mode=ComfyUIMode.EXTERNAL, url="ftp://school-server/comfy"))
    rig.supervisor.start()
    failed = rig.recorder.wait_for_state(ComfyUIState.FAILED, 10)
    assert failed.reason is not None and failed.reason.code == "comfyui_url_invalid"


def test_without_a_mode_there_is_nothing_to_start(make_rig: RigFactory) -> None:
    rig = make_rig(LaunchConfig(mode=ComfyUIMode.NONE))
    with pytest.raises(AppError) as raised:
        rig.supervisor.start()
    assert raised.value.code == "comfyui_not_configured"
    assert rig.supervisor.status().state is ComfyUIState.STOPPED
