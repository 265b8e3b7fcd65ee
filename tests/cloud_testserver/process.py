"""Start and stop the cloud test server as a child process, steer it and read what it recorded."""

from __future__ import annotations

import json
import sys

from tests.support import loopback_http
from tests.support.test_server_child import TestServerChild


class CloudServerProcess(TestServerChild):
    """``with CloudServerProcess(keys) as server: server.provider_urls()`` for AI4ARTSED_PROVIDER_URLS."""

    def __init__(self, keys: dict[str, str]) -> None:
        super().__init__()
        self.keys = keys

    def provider_urls(self) -> str:
        """The value of AI4ARTSED_PROVIDER_URLS that moves the three cloud providers here."""
        return json.dumps(
            {
                "openai": f"{self.root_url}/openai/v1",
                "openrouter": f"{self.root_url}/openrouter/api/v1",
                "mistral": f"{self.root_url}/mistral/v1",
            }
        )

    def command(self) -> list[str]:
        keys = [f"--{provider}-key={key}" for provider, key in self.keys.items()]
        return [sys.executable, "-m", "tests.cloud_testserver", "--port", str(self.port), *keys]

    def behave(self, behaviour: str, times: int = 1, delay_s: float = 0.0) -> None:
        loopback_http.post(
            f"{self.root_url}/_control/behaviour",
            json={"behaviour": behaviour, "times": times, "delay_s": delay_s},
            timeout=10,
        ).raise_for_status()
