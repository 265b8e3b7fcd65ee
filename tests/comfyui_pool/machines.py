"""ComfyUI test servers as the machines of a pool: each with its own model files and speed.

A machine is the protocol-faithful test server (tests/comfyui_testserver) in a process of its own,
on a fixed port so that a killed machine can come back at the same address.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.support import loopback_http
from tests.support.app_process import REPO_ROOT, free_port

TESTSERVER = REPO_ROOT / "tests" / "comfyui_testserver"


class TestMachine:
    __test__ = False

    def __init__(
        self,
        folder: Path,
        *,
        checkpoints: tuple[str, ...] = (),
        seconds_per_job: float = 0.0,
        slow_class: str = "KSampler",
        hold_class: str = "",
        host: str = "127.0.0.1",
    ) -> None:
        """``hold_class``: nodes of this class wait until ``release()`` or an interrupt, so a test can act
        while a job runs (COMFYUI_TESTSERVER_HOLD_NODES; a sampler holds after its first step)."""
        self.folder = folder
        self.host = host
        self.port = free_port()
        self.seconds_per_job = seconds_per_job
        self.slow_class = slow_class
        self.hold_class = hold_class
        self._process: subprocess.Popen[bytes] | None = None
        for name in checkpoints:
            path = folder / "models" / "checkpoints" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")  # the test server only lists model files

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> TestMachine:
        return self.launch().wait_until_ready(timeout)

    def launch(self) -> TestMachine:
        """Starts the process without waiting for it (several machines start side by side)."""
        env = dict(os.environ)
        env["COMFYUI_TESTSERVER_PAUSE_AFTER_PROMPT"] = "0"
        if self.seconds_per_job:
            env["COMFYUI_TESTSERVER_SLOW_NODES"] = f"{self.slow_class}:{self.seconds_per_job}"
        if self.hold_class:
            env["COMFYUI_TESTSERVER_HOLD_NODES"] = self.hold_class
        folder = self.folder
        (folder / "user").mkdir(parents=True, exist_ok=True)
        log = (folder / "comfyui.log").open("ab")
        self._process = subprocess.Popen(
            [
                sys.executable,
                str(TESTSERVER / "main.py"),
                "--listen",
                self.host,
                "--port",
                str(self.port),
                "--disable-auto-launch",
                "--base-directory",
                str(folder),
                "--user-directory",
                str(folder / "user"),
                "--preview-method",
                "latent2rgb",
                "--cpu",
            ],
            cwd=TESTSERVER,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def wait_until_ready(self, timeout: float = 30.0) -> TestMachine:
        assert self._process is not None, "the machine was not launched"
        folder = self.folder
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if loopback_http.get(f"{self.url}/system_stats", timeout=2.0).status_code == 200:
                    return self
            assert self._process.poll() is None, (folder / "comfyui.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the test ComfyUI did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(10.0)
        self._process = None

    def release(self) -> None:
        """Lets every held node go on, now and later."""
        loopback_http.post(f"{self.url}/testserver/release", timeout=5.0).raise_for_status()

    def running_prompts(self) -> int:
        queue = loopback_http.get(f"{self.url}/queue", timeout=5.0).json()
        return len(queue["queue_running"]) + len(queue["queue_pending"])


class HeaderProxy:
    """A reverse proxy in front of a machine that wants one HTTP header (like basic auth at a school).

    A connection whose first request lacks the header gets 401 and is closed; others are relayed as
    they are (HTTP and websocket alike). It remembers every header line it saw, for the checks.
    """

    def __init__(self, upstream_port: int, header: str, value: str) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._expected = f"{header.lower()}: {value}".encode()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.refused = 0
        self.accepted = 0
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                client.close()
                return
            head += chunk
        lines = [line.strip().lower() for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]]
        if self._expected.lower() not in lines:
            self.refused += 1
            client.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            client.close()
            return
        self.accepted += 1
        upstream = socket.create_connection(self._upstream)
        upstream.sendall(head)
        threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()
        _pump(client, upstream)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
