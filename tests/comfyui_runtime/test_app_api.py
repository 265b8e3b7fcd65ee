"""The real app with a managed ComfyUI chosen on the command line: status, logs, start/stop/restart."""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx

from tests.comfyui_runtime.conftest import RigFactory, target_config
from tests.comfyui_runtime.targets import ComfyUITarget
from tests.comfyui_runtime.tree_wrapper import is_running, wait_until_gone
from tests.support.app_process import AppProcess, start_app
from tests.support.job_events import stream_events


def comfyui_args(target: ComfyUITarget) -> list[str]:
    return ["--comfyui-dir", str(target.directory), "--comfyui-python", str(target.python)]


def wait_for_state(
    client: httpx.Client, state: str, timeout: float, not_pid: object = None
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status: dict[str, Any] = client.get("/api/comfyui/status").json()
        if status["state"] == state and (not_pid is None or status["pid"] != not_pid):
            return status
        assert time.monotonic() < deadline, f"ComfyUI did not become {state}: {status}"
        time.sleep(0.1)


def test_the_api_shows_controls_and_explains_a_managed_comfyui(target: ComfyUITarget, tmp_path: Path) -> None:
    data_dir = tmp_path / "app"
    with start_app(data_dir, extra_args=comfyui_args(target)) as app, app.client() as api:
        ready = wait_for_state(api, "ready", target.ready_timeout_s)
        assert ready["mode"] == "managed"
        assert ready["message"] == "ComfyUI is ready."
        german = api.get("/api/comfyui/status", headers={"Accept-Language": "de"}).json()
        assert german["message"] == "ComfyUI ist bereit."
        # The command line chose ComfyUI for this launch only.
        assert api.get("/api/settings").json()["comfyui"]["mode"] == "none"

        logs = api.get("/api/comfyui/logs").json()
        texts = [line["text"] for line in logs["lines"]]
        assert any(text.startswith("[AI4ArtsEd] starting ComfyUI") for text in texts)
        assert any("<data>/comfyui/output" in text for text in texts)
        assert not [text for text in texts if str(data_dir) in text], (
            "the UI must not see the data folder's path"
        )
        assert api.get("/api/comfyui/logs", params={"after": logs["last"]}).json()["lines"] == []

        first_pid = ready["pid"]
        stopped = api.post("/api/comfyui/stop")
        assert stopped.status_code == 200 and stopped.json()["state"] == "stopped"
        assert wait_until_gone(first_pid)

        started = api.post("/api/comfyui/start")
        assert started.status_code == 202 and started.json()["state"] == "starting"
        second = wait_for_state(api, "ready", target.ready_timeout_s)
        assert second["pid"] != first_pid

        assert api.post("/api/comfyui/restart").status_code == 202
        third = wait_for_state(api, "ready", target.ready_timeout_s, not_pid=second["pid"])
        assert wait_until_gone(second["pid"])
        assert is_running(third["pid"])
    # Closing the app stops ComfyUI with it.
    assert wait_until_gone(third["pid"])


def test_a_failed_start_is_explained_in_the_status_and_the_catalog(
    testserver: ComfyUITarget, tmp_path: Path
) -> None:
    env = {"COMFYUI_TESTSERVER_FAIL_AT_START": "torch_missing"}
    with (
        start_app(tmp_path / "app", extra_args=comfyui_args(testserver), env=env) as app,
        app.client() as api,
    ):
        failed = wait_for_state(api, "failed", 60)
        assert failed["reason"] == {"code": "comfyui_module_missing", "params": {"module": "torch"}}
        assert 'the Python package "torch" is missing' in failed["message"]
        german = api.get("/api/comfyui/status", headers={"Accept-Language": "de"}).json()["message"]
        assert "„torch“ fehlt" in german

        outputs = [
            output
            for group in api.get("/api/catalog/outputs").json()["media_types"]
            for output in group["outputs"]
            if output["backend"] == "comfyui"
        ]
        assert outputs
        for output in outputs:
            assert not output["available"]
            assert "comfyui_module_missing" in [reason["code"] for reason in output["reasons"]]


def test_without_a_comfyui_there_is_nothing_to_start(app: AppProcess) -> None:
    with app.client() as api:
        status = api.get("/api/comfyui/status").json()
        assert (status["mode"], status["state"]) == ("none", "stopped")
        assert status["message"].startswith("ComfyUI is not set up")
        refused = api.post("/api/comfyui/start")
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "comfyui_not_configured"


def test_a_comfyui_url_on_the_command_line_is_used_as_external(
    testserver: ComfyUITarget, make_rig: RigFactory, tmp_path: Path
) -> None:
    server = make_rig(target_config(testserver))
    server.supervisor.start()
    url = server.supervisor.wait_until_ready(testserver.ready_timeout_s).url
    assert url is not None
    with start_app(tmp_path / "app", extra_args=["--comfyui-url", url]) as app, app.client() as api:
        ready = wait_for_state(api, "ready", 30)
        assert (ready["mode"], ready["url"], ready["pid"]) == ("external", url, None)
        server.supervisor.stop()
        gone = wait_for_state(api, "failed", 30)
        assert gone["reason"] == {"code": "comfyui_external_unreachable", "params": {"url": url}}


def test_status_changes_arrive_as_server_sent_events(target: ComfyUITarget, tmp_path: Path) -> None:
    with start_app(tmp_path / "app", extra_args=comfyui_args(target)) as app, app.client() as api:
        wait_for_state(api, "ready", target.ready_timeout_s)
        states: list[str] = []
        with closing(
            stream_events(api, "/api/comfyui/events", timeout=target.ready_timeout_s + 30)
        ) as stream:
            for event in stream:
                states.append(event.data["state"])
                if states == ["ready"]:
                    api.post("/api/comfyui/stop")
                if states[-1] == "stopped":
                    break
    assert states[0] == "ready"
    assert states[-1] == "stopped"
