"""A test double server run as a child process that prints ``LISTENING <port>`` once it serves.

The LLM and cloud test servers share how they start, stop, report what they recorded and reset.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tests.support import loopback_http

REPO_ROOT = Path(__file__).resolve().parents[2]


class TestServerChild:
    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        self._process = subprocess.Popen(self.command(), cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError(f"{type(self).__name__} did not start: {line!r}")
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

    def requests(self) -> list[dict[str, Any]]:
        """Every request the server received since the last reset, as it recorded them."""
        response = loopback_http.get(f"{self.root_url}/_control/requests", timeout=10)
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()
        return records

    def reset(self) -> None:
        loopback_http.post(f"{self.root_url}/_control/reset", timeout=10).raise_for_status()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
