"""A broken websocket loses ComfyUI's messages; after reconnecting, the client reconciles through /history."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from server.comfyui.client import ClientTimeouts, ComfyUIClient, PromptHandle
from server.comfyui.prompt_events import Interrupted, NodeExecuted, NodeExecuting, PromptEvent, Succeeded
from tests.comfyui_runtime import workflows
from tests.comfyui_runtime.conftest import target_config
from tests.comfyui_runtime.rig import build_rig
from tests.comfyui_runtime.severable_proxy import SeverableProxy
from tests.comfyui_runtime.targets import ComfyUITarget, resolve_target, target_params
from tests.support import loopback_http

RUN_TIMEOUT_S = 120.0


@pytest.fixture(scope="module", params=target_params())
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    target: ComfyUITarget = resolve_target(str(request.param))
    rig = build_rig(tmp_path_factory.mktemp(f"reconnect-{target.name}"), target_config(target))
    rig.supervisor.start()
    try:
        url = rig.supervisor.wait_until_ready(target.ready_timeout_s).url
        assert url is not None
        yield url
    finally:
        rig.supervisor.shutdown()


@pytest.fixture
def proxy(server_url: str) -> Iterator[SeverableProxy]:
    port = urlsplit(server_url).port
    assert port is not None
    relay = SeverableProxy(port)
    yield relay
    relay.close()


@pytest.fixture
def client(proxy: SeverableProxy) -> Iterator[ComfyUIClient]:
    # Long idle checks: the reconnect itself must trigger the reconciliation.
    client = ComfyUIClient(
        proxy.url, timeouts=ClientTimeouts(idle_check_s=60.0, reconnect_delays_s=(0.1, 0.2))
    )
    client.connect(10)
    yield client
    client.close()


class Collector:
    def __init__(self, handle: PromptHandle) -> None:
        self.events: list[PromptEvent] = []
        self.blur_started = threading.Event()
        self._thread = threading.Thread(target=self._consume, args=(handle,))
        self._thread.start()

    def _consume(self, handle: PromptHandle) -> None:
        for event in handle.events(RUN_TIMEOUT_S):
            self.events.append(event)
            if event == NodeExecuting("2", "ImageBlur"):
                self.blur_started.set()

    def join(self) -> list[PromptEvent]:
        self._thread.join(RUN_TIMEOUT_S)
        assert not self._thread.is_alive()
        return self.events


def wait_for_history(server_url: str, prompt_id: str) -> dict[str, object]:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        entry = loopback_http.get(f"{server_url}/history/{prompt_id}", timeout=10).json().get(prompt_id)
        if entry:
            return dict(entry)
        assert time.monotonic() < deadline, "the prompt did not finish on the server"
        time.sleep(0.1)


def test_a_job_finished_while_the_socket_was_down_completes_through_history(
    server_url: str, proxy: SeverableProxy, client: ComfyUIClient, tmp_path: Path
) -> None:
    prefix = f"t/{uuid.uuid4().hex[:10]}"
    handle = client.submit(workflows.blur(prefix, 1024), label="Test output")
    collector = Collector(handle)
    assert collector.blur_started.wait(RUN_TIMEOUT_S)

    proxy.cut()
    wait_for_history(server_url, handle.prompt_id)  # its executed/success messages are gone for good
    time.sleep(0.3)
    assert proxy.refused > 0, "the client should have tried to reconnect"
    proxy.mend()
    events = collector.join()

    final = events[-1]
    assert isinstance(final, Succeeded)
    assert not [event for event in events if isinstance(event, NodeExecuted)]
    name = prefix.split("/")[1]
    assert [file.filename for file in final.files] == [
        f"{name}_00001_.png",
        f"{name}_00002_.png",
    ]  # batch of 2
    assert client.download(final.files[0], tmp_path / "blur.png").mime == "image/png"
    assert client.connections == 2


def test_an_interrupt_while_the_socket_was_down_is_found_in_the_history(
    server_url: str, proxy: SeverableProxy, client: ComfyUIClient
) -> None:
    handle = client.submit(workflows.blur(f"t/{uuid.uuid4().hex[:10]}", 2048), label="Test output")
    collector = Collector(handle)
    assert collector.blur_started.wait(RUN_TIMEOUT_S)

    proxy.cut()
    loopback_http.post(f"{server_url}/interrupt", json={"prompt_id": handle.prompt_id}, timeout=10)
    wait_for_history(server_url, handle.prompt_id)
    proxy.mend()

    assert collector.join()[-1] == Interrupted("3")
