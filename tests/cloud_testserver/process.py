"""Start and stop the cloud test server as a child process, steer it and read what it recorded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

_REPO_ROOT = Path(__file__).resolve().parents[2]


class CloudServerProcess:
    """``with CloudServerProcess(keys) as server: server.provider_urls()`` for AI4ARTSED_PROVIDER_URLS."""

    __test__ = False

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def provider_urls(self) -> str:
        """The value of AI4ARTSED_PROVIDER_URLS that moves the three cloud providers here."""
        return json.dumps(
            {
                "openai": f"{self.root_url}/openai/v1",
                "openrouter": f"{self.root_url}/openrouter/api/v1",
                "mistral": f"{self.root_url}/mistral/v1",
            }
        )

    def start(self) -> None:
        command = [sys.executable, "-m", "tests.cloud_testserver", "--port", str(self.port)]
        for provider, key in self.keys.items():
            command += [f"--{provider}-key={key}"]
        self._process = subprocess.Popen(command, cwd=_REPO_ROOT, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError(f"cloud test server did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None

    def behave(self, behaviour: str, times: int = 1, delay_s: float = 0.0) -> None:
        httpx.post(
            f"{self.root_url}/_control/behaviour",
            json={"behaviour": behaviour, "times": times, "delay_s": delay_s},
            timeout=10,
        ).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.root_url}/_control/requests", timeout=10)
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()
        return records

    def reset(self) -> None:
        httpx.post(f"{self.root_url}/_control/reset", timeout=10).raise_for_status()

    def __enter__(self) -> CloudServerProcess:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
