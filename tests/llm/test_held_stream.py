"""The test server's held-stream: a stream tests can stop mid-way and release, and that records a client
hanging up while it is held (what the browser tests' cancel checks rely on)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from server.llm.chat_client import ChatClient
from server.llm.chat_errors import ChatCancelledError
from server.llm.chat_types import ChatMessage
from tests.llm_testserver.process import TestServerProcess
from tests.llm_testserver.server import HELD_STREAM_HOLDS, SLOW_STREAM_PIECES

MESSAGES = [ChatMessage(role="user", content="a street party in the rain")]


def _chat_record(provider: TestServerProcess) -> dict[str, Any]:
    return next(r for r in provider.requests() if r["path"] == "/v1/chat/completions")


def _wait_for_record(provider: TestServerProcess, check: Any, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        records = [r for r in provider.requests() if r["path"] == "/v1/chat/completions"]
        if records and check(records[0]):
            return records[0]
        assert time.monotonic() < deadline, f"the record never reached the state: {records}"
        time.sleep(0.05)


def test_held_stream_holds_until_released_then_finishes(provider: TestServerProcess) -> None:
    first_hold, second_hold = HELD_STREAM_HOLDS
    received: list[str] = []
    with ChatClient(provider.base_url) as client:
        stream = client.stream("held-stream", MESSAGES)
        pieces = iter(stream)
        received += [next(pieces) for _ in range(first_hold)]
        held = _wait_for_record(provider, lambda r: r["held"])
        assert held["pieces_sent"] == first_hold and not held["completed"]
        provider.release_held_streams()
        received += [next(pieces) for _ in range(second_hold - first_hold)]
        held = _wait_for_record(provider, lambda r: r["held"])
        assert held["pieces_sent"] == second_hold and not held["completed"]
        provider.release_held_streams()
        received += list(pieces)
    assert received == [f" piece{index}" for index in range(SLOW_STREAM_PIECES)]
    assert stream.finish_reason == "stop"
    record = _chat_record(provider)
    assert record["completed"] is True and record["client_gone"] is False and record["held"] is False


def test_a_stream_after_both_releases_is_not_held(provider: TestServerProcess) -> None:
    provider.release_held_streams(times=2)
    with ChatClient(provider.base_url) as client:
        assert len(list(client.stream("held-stream", MESSAGES))) == SLOW_STREAM_PIECES
    provider.reset()
    with ChatClient(provider.base_url) as client:
        stream = client.stream("held-stream", MESSAGES)
        pieces = iter(stream)
        [next(pieces) for _ in range(HELD_STREAM_HOLDS[0])]
        _wait_for_record(provider, lambda r: r["held"])
        stream.close()


def test_a_cancel_while_held_is_seen_and_recorded_as_client_gone(provider: TestServerProcess) -> None:
    cancel = threading.Event()
    received: list[str] = []
    with ChatClient(provider.base_url) as client:
        stream = client.stream("held-stream", MESSAGES, cancel=cancel)
        with pytest.raises(ChatCancelledError):
            for piece in stream:
                received.append(piece)
                if len(received) == HELD_STREAM_HOLDS[0]:
                    _wait_for_record(provider, lambda r: r["held"])
                    # No piece comes while held: only the keep-alive comments let the client see this.
                    cancel.set()
    assert len(received) == HELD_STREAM_HOLDS[0]
    record = _wait_for_record(provider, lambda r: r["client_gone"])
    assert record["completed"] is False
    assert record["pieces_sent"] == HELD_STREAM_HOLDS[0]
    assert record["hold_expired"] is False
