"""Start and stop the LLM test server as a child process, and read what it recorded."""

from __future__ import annotations

import sys

from tests.support import loopback_http
from tests.support.test_server_child import TestServerChild


class TestServerProcess(TestServerChild):
    """``with TestServerProcess() as server: server.base_url`` -> ``http://127.0.0.1:<port>/v1``."""

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "tests.llm_testserver", "--port", "0"]

    def release_held_streams(self, times: int = 1) -> None:
        """Lets every ``held-stream`` past ``times`` more of its holds (two let it finish)."""
        for _ in range(times):
            loopback_http.post(f"{self.root_url}/_control/release", timeout=10).raise_for_status()
