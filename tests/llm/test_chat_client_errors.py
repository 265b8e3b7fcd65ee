"""Every failure of a provider becomes the right typed error with a plain message in both languages."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from server.llm.chat_client import ChatClient
from server.llm.chat_errors import (
    AuthenticationFailedError,
    BrokenStreamError,
    ChatCancelledError,
    ConnectTimeoutError,
    ContentRefusedError,
    EndpointNotFoundError,
    GarbageAnswerError,
    LlmError,
    ModelNotFoundError,
    NoCreditError,
    RateLimitedError,
    ReadTimeoutError,
    RequestRejectedError,
    ServerError,
    ServerUnreachableError,
)
from server.llm.chat_types import ChatMessage, ChatTimeouts
from tests.llm.message_texts import load_messages, placeholders, render_error
from tests.llm_testserver.process import TestServerProcess
from tests.llm_testserver.server import SLOW_STREAM_PIECES, TEST_KEY

MESSAGES = [ChatMessage(role="user", content="a street party in the rain")]

# model name on the test server -> (error type, message code)
ERROR_TABLE: list[tuple[str, type[LlmError], str]] = [
    ("error-401", AuthenticationFailedError, "llm.auth_failed"),
    ("error-403", AuthenticationFailedError, "llm.auth_failed"),
    ("error-402", NoCreditError, "llm.no_credit"),
    ("error-insufficient-quota", NoCreditError, "llm.no_credit"),
    ("error-404", ModelNotFoundError, "llm.model_not_found"),
    ("error-404-ollama", ModelNotFoundError, "llm.model_not_found"),
    ("error-404-lmstudio", ModelNotFoundError, "llm.model_not_found"),
    ("error-400-mistral-model", ModelNotFoundError, "llm.model_not_found"),
    ("error-429", RateLimitedError, "llm.rate_limited_retry_after"),
    ("error-500", ServerError, "llm.server_error"),
    ("error-503-llamacpp", ServerError, "llm.server_error"),
    ("error-400-context", RequestRejectedError, "llm.request_rejected"),
    ("content-refused", ContentRefusedError, "llm.content_refused"),
    ("content-refused-openrouter", ContentRefusedError, "llm.content_refused"),
    ("refusal-field", ContentRefusedError, "llm.content_refused"),
    ("garbage-body", GarbageAnswerError, "llm.garbage_answer"),
    ("missing-choices", GarbageAnswerError, "llm.garbage_answer"),
]

STREAM_ONLY_TABLE: list[tuple[str, type[LlmError], str]] = [
    ("broken-stream", BrokenStreamError, "llm.broken_stream"),
    ("stream-no-done", BrokenStreamError, "llm.broken_stream"),
    ("stream-garbage", BrokenStreamError, "llm.broken_stream"),
    ("stream-error-openrouter", ServerError, "llm.server_error"),
]


def _assert_plain_and_clean(error: LlmError, code: str) -> None:
    assert error.message_code == code
    german, english = render_error(error, "de"), render_error(error, "en")
    assert german and english and german != english
    for text in (german, english, str(error), repr(error), error.detail):
        assert TEST_KEY not in text
        assert "SECRET" not in text


@pytest.mark.parametrize(("model", "error_type", "code"), ERROR_TABLE)
def test_error_answers_become_typed_errors(
    provider: TestServerProcess, model: str, error_type: type[LlmError], code: str
) -> None:
    with (
        ChatClient(provider.base_url, api_key=TEST_KEY, provider_label="Test") as client,
        pytest.raises(error_type) as caught,
    ):
        client.complete(model, MESSAGES)
    _assert_plain_and_clean(caught.value, code)
    assert caught.value.__cause__ is None  # no httpx object (with headers) rides along


@pytest.mark.parametrize(("model", "error_type", "code"), ERROR_TABLE + STREAM_ONLY_TABLE)
def test_errors_while_streaming_become_typed_errors(
    provider: TestServerProcess, model: str, error_type: type[LlmError], code: str
) -> None:
    with ChatClient(provider.base_url, api_key=TEST_KEY, provider_label="Test") as client:
        stream = client.stream(model, MESSAGES)
        with pytest.raises(error_type) as caught:
            for _ in stream:
                pass
    _assert_plain_and_clean(caught.value, code)


def test_rate_limit_carries_retry_after(provider: TestServerProcess) -> None:
    with (
        ChatClient(provider.base_url, provider_label="Test") as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.complete("error-429", MESSAGES)
    assert caught.value.retry_after_s == 7
    assert "7" in render_error(caught.value, "en")


def test_wrong_key_against_a_keyed_server(provider: TestServerProcess) -> None:
    wrong = "sk-wrong-key-1234567890"
    with ChatClient(f"{provider.root_url}/keyed/v1", api_key=wrong, provider_label="Test") as client:
        with pytest.raises(AuthenticationFailedError) as caught:
            client.complete("echo", MESSAGES)
        with pytest.raises(AuthenticationFailedError):
            client.list_models()
    for text in (str(caught.value), repr(caught.value), caught.value.detail):
        assert wrong not in text


def test_wrong_base_url_says_so(provider: TestServerProcess) -> None:
    with ChatClient(f"{provider.root_url}/nothing-here", provider_label="Test") as client:
        with pytest.raises(EndpointNotFoundError) as caught:
            client.complete("echo", MESSAGES)
        with pytest.raises(EndpointNotFoundError):
            client.list_models()
    _assert_plain_and_clean(caught.value, "llm.endpoint_not_found")


def test_garbage_model_list(provider: TestServerProcess) -> None:
    with ChatClient(f"{provider.root_url}/garbage/v1") as client, pytest.raises(GarbageAnswerError):
        client.list_models()


def test_server_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed now: the connection is refused.
    with ChatClient(f"http://127.0.0.1:{port}/v1", provider_label="Ollama") as client:
        with pytest.raises(ServerUnreachableError) as caught:
            client.complete("echo", MESSAGES)
        with pytest.raises(ServerUnreachableError):
            list(client.stream("echo", MESSAGES))
        with pytest.raises(ServerUnreachableError):
            client.list_models()
    _assert_plain_and_clean(caught.value, "llm.server_unreachable")
    assert caught.value.params["host"] == f"127.0.0.1:{port}"


def test_read_timeout_when_the_first_byte_is_slow(provider: TestServerProcess) -> None:
    timeouts = ChatTimeouts(connect_s=5, read_s=0.5)
    with ChatClient(provider.base_url, timeouts=timeouts, provider_label="Test") as client:
        with pytest.raises(ReadTimeoutError) as caught:
            client.complete("slow-first-byte-3", MESSAGES)
        with pytest.raises(ReadTimeoutError):
            list(client.stream("slow-first-byte-3", MESSAGES))
    assert caught.value.params["timeout_s"] == 0.5
    _assert_plain_and_clean(caught.value, "llm.read_timeout")


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A loopback port whose accept queue is full, so new connections hang in the handshake."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    probe = socket.socket()
    probe.settimeout(0.3)
    try:
        probe.connect(("127.0.0.1", port))
        hangs = False
    except TimeoutError:
        hangs = True
    except OSError:
        hangs = False
    finally:
        probe.close()
    try:
        if not hangs:
            pytest.skip("this OS completes loopback handshakes even with a full accept queue")
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_connect_timeout(unaccepting_port: int) -> None:
    timeouts = ChatTimeouts(connect_s=0.5, read_s=5)
    with (
        ChatClient(
            f"http://127.0.0.1:{unaccepting_port}/v1", timeouts=timeouts, provider_label="Test"
        ) as client,
        pytest.raises(ConnectTimeoutError) as caught,
    ):
        client.complete("echo", MESSAGES)
    assert caught.value.params["timeout_s"] == 0.5
    _assert_plain_and_clean(caught.value, "llm.connect_timeout")


def test_cancel_mid_stream_closes_the_connection(provider: TestServerProcess) -> None:
    cancel = threading.Event()
    received: list[str] = []
    with ChatClient(provider.base_url) as client:
        stream = client.stream("slow-stream", MESSAGES, cancel=cancel)
        with pytest.raises(ChatCancelledError):
            for piece in stream:
                received.append(piece)
                if len(received) == 3:
                    cancel.set()
    assert received == [" piece0", " piece1", " piece2"]
    # The server notices the closed connection when it writes the next pieces.
    record: dict[str, object] = {}
    for _ in range(50):
        record = next(r for r in provider.requests() if r["path"] == "/v1/chat/completions")
        if record["client_gone"]:
            break
        time.sleep(0.1)
    assert record["client_gone"] is True
    assert record["completed"] is False
    sent = record["pieces_sent"]
    assert isinstance(sent, int) and sent < SLOW_STREAM_PIECES


def test_cancel_before_start_sends_nothing(provider: TestServerProcess) -> None:
    cancel = threading.Event()
    cancel.set()
    with ChatClient(provider.base_url) as client, pytest.raises(ChatCancelledError):
        list(client.stream("echo", MESSAGES, cancel=cancel))
    assert provider.requests() == []


def test_cancel_by_callback(provider: TestServerProcess) -> None:
    received: list[str] = []
    with ChatClient(provider.base_url) as client, pytest.raises(ChatCancelledError):
        for piece in client.stream("slow-stream", MESSAGES, cancel=lambda: len(received) >= 2):
            received.append(piece)
    assert received == [" piece0", " piece1"]


def test_breaking_out_of_the_loop_closes_the_connection(provider: TestServerProcess) -> None:
    with ChatClient(provider.base_url) as client, client.stream("slow-stream", MESSAGES) as stream:
        for _ in stream:
            break
    record: dict[str, object] = {}
    for _ in range(50):
        record = provider.requests()[0]
        if record["client_gone"]:
            break
        time.sleep(0.1)
    assert record["client_gone"] is True


def test_every_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    for area in ("llm", "secrets"):
        for code, texts in load_messages(area).items():
            assert set(texts) == {"de", "en"}, code
            assert placeholders(texts["de"]) == placeholders(texts["en"]), code
