"""The test server's failure knobs and start-up behaviour, as a supervisor will meet them."""

import copy
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import loopback_http
from tests.support.async_runner import run_coroutine

from .comfy_client import run_prompt, run_prompt_async
from .comfy_launcher import ComfyKind, ComfyProcess, StateDirs, start

IMAGE_GRAPH = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 255}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "t/img"}},
}


def _sampler_graph(steps: int = 4) -> dict[str, Any]:
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red apple", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["1", 1]}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "5": {
            "class_type": "KSampler",
            "inputs": {
                "model": ["1", 0],
                "seed": 42,
                "steps": steps,
                "cfg": 7.0,
                "sampler_name": "euler",
                "scheduler": "normal",
                "positive": ["2", 0],
                "negative": ["3", 0],
                "latent_image": ["4", 0],
                "denoise": 1.0,
            },
        },
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "t/sd"}},
    }


def _start(kind: ComfyKind, tmp_path: Path, env: dict[str, str], **kwargs: Any) -> ComfyProcess:
    return start(kind, StateDirs.create(tmp_path, kind), env=env, **kwargs)


def test_crash_after_seconds(testserver: ComfyKind, tmp_path: Path) -> None:
    server = _start(
        testserver,
        tmp_path,
        {"COMFYUI_TESTSERVER_CRASH_AFTER": "0.5", "COMFYUI_TESTSERVER_CRASH_EXIT_CODE": "3"},
        # Not waiting for "ready": on a loaded machine the 0.5 s run out before a ready check answers.
        wait=False,
    )
    assert server.process.wait(30) == 3
    log = server.log_text()
    assert "To see the GUI go to" in log.split("simulated crash")[0]  # it served, then crashed
    assert "simulated crash" in log


def test_stall_never_becomes_ready_and_sigterm_ends_it(testserver: ComfyKind, tmp_path: Path) -> None:
    server = _start(testserver, tmp_path, {"COMFYUI_TESTSERVER_STALL": "1"}, wait=False)
    try:
        assert not server.wait_ready(2.0)
        assert server.process.poll() is None
    finally:
        server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(10) != 0


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("torch_missing", "ModuleNotFoundError: No module named 'torch'"),
        ("cuda_missing", "AssertionError: Torch not compiled with CUDA enabled"),
    ],
)
def test_fail_at_start(testserver: ComfyKind, tmp_path: Path, kind: str, text: str) -> None:
    server = _start(testserver, tmp_path, {"COMFYUI_TESTSERVER_FAIL_AT_START": kind}, wait=False)
    assert server.process.wait(15) == 1
    log = server.log_text()
    assert "Traceback (most recent call last):" in log
    assert text in log


def test_port_taken_fails_like_comfyui(testserver: ComfyKind, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = _start(testserver, tmp_path, {}, port=taken.getsockname()[1], wait=False)
        assert server.process.wait(15) == 1
    log = server.log_text()
    assert "Starting server" in log
    assert "OSError" in log
    if sys.platform != "win32":
        assert "address already in use" in log.lower()


def test_missing_user_directory_and_unknown_flag_are_refused(testserver: ComfyKind, tmp_path: Path) -> None:
    dirs = StateDirs.create(tmp_path, testserver)
    (dirs.state / "user").rmdir()
    server = start(testserver, dirs, wait=False)
    assert server.process.wait(15) == 2
    assert "argument --user-directory: The path" in server.log_text()
    (dirs.state / "user").mkdir()
    server = start(testserver, dirs, extra_args=["--no-such-flag"], wait=False)
    assert server.process.wait(15) == 2
    assert "unrecognized arguments: --no-such-flag" in server.log_text()


def test_real_comfyui_flags_are_accepted(testserver: ComfyKind, tmp_path: Path) -> None:
    extra = [
        "--disable-metadata",
        "--fast",
        "--verbose",
        "DEBUG",
        "--max-upload-size",
        "50",
        "--cache-lru",
        "5",
        "--reserve-vram",
        "1.5",
        "--fp16-vae",
        "--use-split-cross-attention",
        "--disable-api-nodes",
        "--windows-standalone-build",
        "--log-stdout",
        "--front-end-version",
        "Comfy-Org/x@1.0.0",
    ]
    server = start(testserver, StateDirs.create(tmp_path, testserver), extra_args=extra)
    try:
        stats = loopback_http.get(server.base_url + "/system_stats").json()
        assert stats["system"]["argv"][-len(extra) :] == extra
        assert loopback_http.get(server.base_url + "/features").json()["max_upload_size"] == 50 * 1024 * 1024
    finally:
        server.stop()


def test_sigterm_ends_a_busy_server(testserver: ComfyKind, tmp_path: Path) -> None:
    server = _start(testserver, tmp_path, {"COMFYUI_TESTSERVER_SLOW_NODES": "EmptyImage:30"})
    loopback_http.post(server.base_url + "/prompt", json={"prompt": IMAGE_GRAPH, "client_id": "x"})
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(10) != 0


def test_fail_nodes_gives_execution_error(testserver: ComfyKind, tmp_path: Path) -> None:
    server = _start(
        testserver,
        tmp_path,
        {
            "COMFYUI_TESTSERVER_FAIL_NODES": "KSampler",
            "COMFYUI_TESTSERVER_FAIL_MESSAGE": "CUDA out of memory",
            "COMFYUI_TESTSERVER_FAIL_EXCEPTION_TYPE": "torch.OutOfMemoryError",
        },
    )
    try:
        run = run_prompt(server.base_url, _sampler_graph())
    finally:
        server.stop()
    error = run.of_type("execution_error")[0]["data"]
    assert (error["node_id"], error["node_type"]) == ("5", "KSampler")
    assert error["exception_type"] == "torch.OutOfMemoryError"
    assert error["exception_message"] == "CUDA out of memory\n"
    assert sorted(error["executed"]) == ["1", "2", "3", "4"]
    assert run.history["status"]["status_str"] == "error"
    assert not run.of_type("execution_success")


def test_slow_sampler_is_interrupted_at_a_step(testserver: ComfyKind, tmp_path: Path) -> None:
    # Held after its first step, the sampler cannot finish before the interrupt comes, however slow
    # the machine: the interrupt must end the hold and land at the next step, as in ComfyUI.
    server = _start(
        testserver,
        tmp_path,
        {"COMFYUI_TESTSERVER_SLOW_NODES": "KSampler:1", "COMFYUI_TESTSERVER_HOLD_NODES": "KSampler"},
    )

    async def interrupt_after_first_step(
        http: httpx.AsyncClient, message: dict[str, Any], prompt_id: str
    ) -> None:
        if message.get("type") == "progress" and message["data"]["value"] == 1:
            await http.post("/interrupt", json={"prompt_id": prompt_id})

    try:
        run = run_coroutine(
            run_prompt_async(
                server.base_url, _sampler_graph(steps=10), before_done=interrupt_after_first_step
            )
        )
    finally:
        server.stop()
    interrupted = run.of_type("execution_interrupted")[0]["data"]
    assert interrupted["node_id"] == "5"
    assert sorted(interrupted["executed"]) == ["1", "2", "3", "4"]
    assert [m["data"]["value"] for m in run.of_type("progress")] == [1]
    assert run.history["outputs"] == {}


def test_a_held_node_waits_until_released(testserver: ComfyKind, tmp_path: Path) -> None:
    server = _start(testserver, tmp_path, {"COMFYUI_TESTSERVER_HOLD_NODES": "EmptyImage"})
    seen: list[str] = []

    async def release_once_held(http: httpx.AsyncClient, message: dict[str, Any], prompt_id: str) -> None:
        if message.get("type") == "executing" and message["data"]["node"] == "1":
            # The node is at work and stays so: nothing has been saved, the prompt is still running.
            queue = (await http.get("/queue")).json()
            history = (await http.get(f"/history/{prompt_id}")).json()
            released = await http.post("/testserver/release")
            running = len(queue["queue_running"])
            seen.append(f"running={running} history={len(history)} {released.status_code}")

    try:
        run = run_coroutine(run_prompt_async(server.base_url, IMAGE_GRAPH, before_done=release_once_held))
        # Released for good: the next prompt (a different one, so nothing comes from the cache) runs
        # through.
        other: dict[str, Any] = copy.deepcopy(IMAGE_GRAPH)
        other["1"]["inputs"]["color"] = 0
        again = run_prompt(server.base_url, other)
    finally:
        server.stop()
    assert seen == ["running=1 history=0 200"]
    assert run.of_type("execution_success") and run.of_type("executed")
    assert again.of_type("execution_success")


def test_startup_delay_and_time_scale(testserver: ComfyKind, tmp_path: Path) -> None:
    server = _start(
        testserver,
        tmp_path,
        {"COMFYUI_TESTSERVER_STARTUP_DELAY": "0.5", "COMFYUI_TESTSERVER_TIME_SCALE": "0"},
        wait=False,
    )
    try:
        assert server.wait_ready(20)
        assert run_prompt(server.base_url, _sampler_graph()).of_type("execution_success")
    finally:
        server.stop()
    assert server.process.returncode is not None
