"""The self-test: start a freshly installed ComfyUI on a free port and let it paint one picture.

A plain EmptyImage -> SaveImage prompt needs no model file, so it proves Python, PyTorch (ComfyUI
imports it at start) and ComfyUI's server work before the app switches to the new install. The
test ComfyUI keeps its state under the user's data folder, never in the install.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from server.child_processes import ChildProcesses
from server.comfyui.installation import ComfyUIInstallation
from server.comfyui.launch import StateFolders, comfyui_command, comfyui_environment
from server.comfyui.model_paths import write_model_paths
from server.errors import AppError, ErrorKind
from server.network.http_clients import HttpClients

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
POLL_S = 0.25
SELF_TEST_PROMPT: dict[str, object] = {
    "1": {
        "class_type": "EmptyImage",
        "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0x3A7BD5},
    },
    "2": {
        "class_type": "SaveImage",
        "inputs": {"images": ["1", 0], "filename_prefix": "ai4artsed-self-test"},
    },
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_self_test(
    installation: ComfyUIInstallation,
    *,
    children: ChildProcesses,
    clients: HttpClients,
    state_dir: Path,
    models_dir: Path,
    log_file: Path,
    cancelled: Callable[[], bool],
    on_started: Callable[[], None],
    start_timeout_s: float,
    device_flags: Sequence[str] = (),
) -> bytes:
    """Returns the PNG ComfyUI painted; raises AppError (comfyui_install_self_test_failed) otherwise."""
    state = StateFolders(state_dir)
    state.create()
    model_paths = write_model_paths(state_dir, models_dir)
    port = _free_port()
    command = comfyui_command(installation, port, state, model_paths, device_flags, offline=True)
    base = f"http://127.0.0.1:{port}"
    with log_file.open("ab") as log:
        log.write(f"\n$ {' '.join(command)}\n".encode())
        log.flush()
        child = children.spawn(
            "comfyui-self-test",
            command,
            env=comfyui_environment(os.environ, offline=True),
            cwd=installation.directory,
            output=log,
        )
    try:
        with clients.client(base, timeout=10.0) as client:
            _wait_until_listening(client, base, child.poll, cancelled, start_timeout_s)
            on_started()
            return _paint(client, base, child.poll, cancelled, start_timeout_s)
    finally:
        child.stop()


def _failed(step: str) -> AppError:
    return AppError("comfyui_install_self_test_failed", ErrorKind.FAILED, step=step)


def _wait_until_listening(
    client: httpx.Client,
    base: str,
    exited: Callable[[], int | None],
    cancelled: Callable[[], bool],
    timeout_s: float,
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cancelled():
            raise SelfTestCancelledError
        if exited() is not None:
            raise _failed("start")
        try:
            if client.get(f"{base}/system_stats").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(POLL_S)
    raise _failed("start")


def _paint(
    client: httpx.Client,
    base: str,
    exited: Callable[[], int | None],
    cancelled: Callable[[], bool],
    timeout_s: float,
) -> bytes:
    answer = client.post(f"{base}/prompt", json={"prompt": SELF_TEST_PROMPT, "client_id": uuid.uuid4().hex})
    if answer.status_code != 200:
        raise _failed("prompt")
    prompt_id = str(answer.json().get("prompt_id", ""))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cancelled():
            raise SelfTestCancelledError
        if exited() is not None:
            raise _failed("run")
        history = client.get(f"{base}/history/{prompt_id}").json()
        entry = history.get(prompt_id) if isinstance(history, dict) else None
        if isinstance(entry, dict):
            image = _first_image(entry)
            if image is None:
                raise _failed("run")
            picture = client.get(f"{base}/view", params=image)
            if picture.status_code != 200 or not picture.content.startswith(PNG_MAGIC):
                raise _failed("picture")
            return picture.content
        time.sleep(POLL_S)
    raise _failed("run")


def _first_image(entry: dict[str, object]) -> dict[str, str] | None:
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict):
        return None
    for output in outputs.values():
        images = output.get("images") if isinstance(output, dict) else None
        if isinstance(images, list) and images and isinstance(images[0], dict):
            first = images[0]
            return {
                "filename": str(first.get("filename", "")),
                "subfolder": str(first.get("subfolder", "")),
                "type": str(first.get("type", "output")),
            }
    return None


class SelfTestCancelledError(Exception):
    pass
