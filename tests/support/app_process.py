"""Runs the real desktop program as a child process for tests and benchmarks.

By default that is ``python -m desktop.main`` from this checkout. ``AI4ARTSED_APP_COMMAND`` swaps in
another command, e.g. the frozen program (``build/dist/ai4artsed/ai4artsed``), so the same tests
check the built bundle (``make dist`` does this).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import loopback_http

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_COMMAND_ENV = "AI4ARTSED_APP_COMMAND"


def app_command() -> list[str]:
    """The command that starts the app: from source, or the one in AI4ARTSED_APP_COMMAND."""
    configured = os.environ.get(APP_COMMAND_ENV, "").strip()
    if not configured:
        return [sys.executable, "-m", "desktop.main"]
    command = shlex.split(configured)
    program = Path(command[0])
    if not program.is_absolute() and len(program.parts) > 1:
        # A relative path means one inside the repository (the usual build/dist/...).
        command[0] = str(REPO_ROOT / program)
    return command


def frozen_app_command() -> bool:
    """True when the tests run against another program than this checkout's source."""
    return bool(os.environ.get(APP_COMMAND_ENV, "").strip())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class AppProcess:
    """A started app. Use as a context manager; ``stop()`` sends SIGTERM and returns the exit code."""

    process: subprocess.Popen[str]
    port: int
    token: str
    data_dir: Path
    log_path: Path
    _stopped: bool = field(default=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def launch_url(self) -> str:
        return f"{self.base_url}/?token={self.token}"

    def client(self, language: str = "en") -> httpx.Client:
        return loopback_http.client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}", "Accept-Language": language},
            timeout=30.0,
        )

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        if not self._stopped:
            self._stopped = True
            if self.process.poll() is None:
                # Windows has no SIGTERM for another process; Ctrl+Break reaches the app's handler.
                self.process.send_signal(getattr(signal, "CTRL_BREAK_EVENT", signal.SIGTERM))
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode

    def __enter__(self) -> AppProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_app(
    data_dir: Path,
    *,
    headless: bool = True,
    extra_args: list[str] | None = None,
    env: Mapping[str, str] | None = None,
    catalog_root: Path | None = None,
    wait_for: str | None = None,
    timeout: float = 60.0,
    port: int | None = None,
) -> AppProcess:
    """Starts the app; waits until /api/health answers (and, if given, until ``wait_for`` is in its output).

    ``catalog_root`` points the app at another folder with configs/ and chunks/ (tests of broken catalogs).
    """
    port = port or free_port()
    token = secrets.token_urlsafe(24)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"process-{port}.log"
    args = [
        *app_command(),
        "--port",
        str(port),
        # "=" form: a random token may start with "-" and would otherwise read as a flag.
        f"--token={token}",
        f"--data-dir={data_dir}",
    ]
    if headless:
        args.append("--headless")
    args += extra_args or []
    child_env = dict(os.environ)
    child_env.update(env or {})
    if catalog_root is not None:
        child_env["AI4ARTSED_CATALOG_ROOT"] = str(catalog_root)
    log_handle = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        args,
        cwd=REPO_ROOT,
        env=child_env,
        stdout=log_handle,
        stderr=subprocess.STDOUT,
        text=True,
        # Windows: its own console process group, so stop() can send it Ctrl+Break alone.
        creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
    )
    log_handle.close()
    app = AppProcess(process=process, port=port, token=token, data_dir=data_dir, log_path=log_path)
    deadline = time.monotonic() + timeout
    healthy = False
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode} during start:\n{app.output()}")
        if not healthy:
            with contextlib.suppress(httpx.TransportError):
                healthy = loopback_http.get(f"{app.base_url}/api/health", timeout=1.0).status_code == 200
        if healthy and (wait_for is None or wait_for in app.output()):
            return app
        time.sleep(0.05)
    app.stop()
    raise RuntimeError(f"the app did not become ready within {timeout:.0f} s:\n{app.output()}")
