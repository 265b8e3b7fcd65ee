"""What the chat client sends and how it reads good answers, against the real test server."""

from __future__ import annotations

import socket

import pytest

from server.llm.chat_client import ChatClient
from server.llm.chat_errors import InvalidBaseUrlError
from server.llm.chat_types import ChatMessage, ModelInfo, SamplingParameters
from tests.llm_testserver.process import TestServerProcess
from tests.llm_testserver.server import TEST_KEY

THREE_PARTS = [
    ChatMessage(role="system", content="Task: transform the input like a Dada artist."),
    ChatMessage(role="user", content="Context: no violence.\nstill one message"),
    ChatMessage(role="user", content="a street party in the rain"),
]


def _chat_requests(server: TestServerProcess) -> list[dict[str, object]]:
    return [r for r in server.requests() if str(r["path"]).endswith("/chat/completions")]


def test_messages_stay_structured_and_parameters_reach_the_provider(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url, provider_label="Test") as client:
        reply = client.complete(
            "echo", THREE_PARTS, SamplingParameters(temperature=0.7, top_p=0.9, max_tokens=123)
        )
    assert reply.text == "echo: a street party in the rain"
    assert reply.finish_reason == "stop"
    (request,) = _chat_requests(provider)
    body = request["body"]
    assert isinstance(body, dict)
    assert body["messages"] == [m.model_dump() for m in THREE_PARTS]
    assert body["model"] == "echo"
    assert body["temperature"] == 0.7
    assert body["top_p"] == 0.9
    assert body["max_tokens"] == 123
    assert body["stream"] is False


def test_unset_parameters_are_left_to_the_provider(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url) as client:
        client.complete("echo", THREE_PARTS, SamplingParameters(temperature=0.2))
    body = _chat_requests(provider)[0]["body"]
    assert isinstance(body, dict)
    assert "top_p" not in body
    assert "max_tokens" not in body


def test_no_authorization_header_without_a_key(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url) as client:
        client.complete("echo", THREE_PARTS)
        client.list_models()
    for request in provider.requests():
        headers = request["headers"]
        assert isinstance(headers, dict)
        assert "authorization" not in headers


def test_key_travels_only_in_the_authorization_header(provider: TestServerProcess) -> None:
    with ChatClient(
        f"{provider.root_url}/keyed/v1", api_key=TEST_KEY, extra_headers={"X-Title": "AI4ArtsEd Desktop"}
    ) as client:
        reply = client.complete("echo", THREE_PARTS)
        assert reply.text.startswith("echo:")
        assert [m.id for m in client.list_models()] == ["echo", "slow-stream"]
        assert TEST_KEY not in repr(client)
    for request in provider.requests():
        headers = request["headers"]
        assert isinstance(headers, dict)
        assert headers["authorization"] == f"Bearer {TEST_KEY}"
        assert headers["x-title"] == "AI4ArtsEd Desktop"
        other_headers = {k: v for k, v in headers.items() if k != "authorization"}
        assert TEST_KEY not in str(other_headers)
        assert TEST_KEY not in str(request["body"])
        assert TEST_KEY not in str(request["path"])


def test_streamed_pieces_arrive_in_order(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url) as client:
        stream = client.stream("echo", THREE_PARTS, SamplingParameters(temperature=1.0))
        pieces = list(stream)
    assert pieces == ["echo:", " a", " street", " party", " in", " the", " rain"]
    assert stream.text == "echo: a street party in the rain"
    assert stream.finish_reason == "stop"
    assert stream.model == "echo"
    body = _chat_requests(provider)[0]["body"]
    assert isinstance(body, dict)
    assert body["stream"] is True
    assert body["temperature"] == 1.0
    assert body["messages"] == [m.model_dump() for m in THREE_PARTS]


def test_connection_is_reused_after_a_stream(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url) as client:
        for _ in range(3):
            assert "".join(client.stream("echo", THREE_PARTS)) == "echo: a street party in the rain"
    ports = {request["client_port"] for request in _chat_requests(provider)}
    assert len(ports) == 1


def test_stream_ignores_sse_comments(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url) as client:
        pieces = list(client.stream("stream-with-comments", THREE_PARTS))
    assert "".join(pieces) == "echo: a street party in the rain"


def test_server_that_ignores_stream_true_still_gives_the_text(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url) as client:
        pieces = list(client.stream("json-when-streaming", THREE_PARTS))
    assert pieces == ["echo: a street party in the rain"]


def test_model_listing(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url) as client:
        models = client.list_models()
    assert models == [
        ModelInfo(id="echo", owned_by="testserver"),
        ModelInfo(id="slow-stream", owned_by="testserver"),
    ]
    (request,) = provider.requests()
    assert request["method"] == "GET"
    assert request["path"] == "/v1/models"


@pytest.mark.parametrize("url", ["ftp://example.invalid/v1", "127.0.0.1:11434/v1", "not a url"])
def test_invalid_base_url_is_a_typed_error(url: str) -> None:
    with pytest.raises(InvalidBaseUrlError) as caught:
        ChatClient(url, provider_label="Custom")
    assert caught.value.params["base_url"] == url


def test_loopback_servers_bypass_a_machine_proxy(
    provider: TestServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with ChatClient(provider.base_url) as client:
        assert client.complete("echo", THREE_PARTS).text == "echo: a street party in the rain"
