"""The one guard of outgoing connections: offline, nothing but this computer, decided before connecting."""

from __future__ import annotations

import httpx
import pytest

from server.llm.chat_client import ChatClient
from server.llm.chat_errors import OfflineRefusedError
from server.llm.chat_types import ChatMessage
from server.network.destinations import is_loopback_host
from server.network.guarded_transport import GuardedTransport
from server.network.http_clients import HttpClients, system_proxy_for
from server.network.policy import NetworkPolicy, OfflineBlockedError
from tests.support import loopback_http


class RecordingTransport(httpx.BaseTransport):
    """Stands in for the network: remembers what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(str(request.url))
        return httpx.Response(200, json={"ok": True})


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("0.0.0.0", False),
        ("api.openai.com", False),
        ("localhost.example.org", False),
        ("127.0.0.1.nip.io", False),
        ("", False),
    ],
)
def test_only_literal_loopback_counts_as_this_computer(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_offline_refuses_before_the_transport_is_reached_and_follows_the_setting() -> None:
    offline = [True]
    network = RecordingTransport()
    clients = HttpClients(NetworkPolicy(lambda: offline[0]), network)
    with clients.client("https://api.openai.com/v1", timeout=5) as client:
        with pytest.raises(OfflineBlockedError) as refused:
            client.get("https://api.openai.com/v1/models")
        assert refused.value.host == "api.openai.com"
        assert isinstance(refused.value, httpx.TransportError)
        assert client.get("http://127.0.0.1:9/ok").status_code == 200
        assert client.get("http://localhost:9/ok").status_code == 200
        with pytest.raises(OfflineBlockedError):
            client.get("http://192.168.1.20:8188/system_stats")
        assert network.sent == ["http://127.0.0.1:9/ok", "http://localhost:9/ok"]
        offline[0] = False  # the next request sees the change
        assert client.get("https://api.openai.com/v1/models").status_code == 200


def test_a_proxy_is_checked_as_the_real_destination() -> None:
    network = RecordingTransport()
    guarded = GuardedTransport(NetworkPolicy(lambda: True), network, proxy="http://proxy.school.example:3128")
    with loopback_http.client(transport=guarded) as client, pytest.raises(OfflineBlockedError):
        client.get("http://127.0.0.1:9/ok")
    assert network.sent == []


def test_loopback_never_goes_through_the_system_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://proxy.school.example:3128")
    monkeypatch.setenv("http_proxy", "http://proxy.school.example:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert system_proxy_for("https://api.openai.com/v1") == "http://proxy.school.example:3128"
    assert system_proxy_for("http://127.0.0.1:8188") is None
    assert system_proxy_for("http://localhost:11434/v1") is None


def test_the_chat_client_says_offline_in_plain_words() -> None:
    clients = HttpClients(NetworkPolicy(lambda: True), RecordingTransport())
    client = ChatClient("http://192.168.1.20:8000/v1", provider_label="School server", clients=clients)
    with pytest.raises(OfflineRefusedError) as refused:
        client.complete("m", [ChatMessage(role="user", content="hi")])
    assert refused.value.code == "network_offline_blocked"
    assert refused.value.params["host"] == "192.168.1.20:8000"
