"""Server-sent event streams: their framing, keep-alives, end, and their place in the stream budget.

Every stream of the API goes through ``event_stream_response``. A stream waits for its events in
short slices, so within about a second it notices that its reader went away (waitress reports it
through ``waitress.client_disconnected``, see server/wsgi_server.py) or that the budget ended it,
for a newer stream or because the server stops: then it sends ``event: end`` with
``{"reason": "replaced"}`` or ``{"reason": "shutdown"}``, and a page's EventSource does not come
back on its own. A stream whose source is done sends ``event: end`` with ``{}``. A comment line goes
out after every ``KEEPALIVE_S`` without events.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from flask import Response, g, request

from server.errors import AppError, ErrorKind
from server.stream_budget import StreamBudget, StreamSlot

KEEPALIVE_S = 10.0
WAIT_SLICE_S = 1.0
STREAM_CLIENT_KEY = "stream_client"


@dataclass(frozen=True)
class StreamClient:
    """Who opens a stream: a non-secret key of the request's credential and that client's bound."""

    key: str
    stream_limit: int


@dataclass(frozen=True)
class Message:
    event: str
    data: object
    id: int | None = None

    def encode(self) -> str:
        lines = [] if self.id is None else [f"id: {self.id}"]
        lines.append(f"event: {self.event}")
        # JSON text never holds a raw line break, so the data is always one `data:` line.
        lines.append(f"data: {json.dumps(self.data, ensure_ascii=False)}")
        return "\n".join(lines) + "\n\n"


@dataclass(frozen=True)
class Batch:
    """What a source had after one wait: new messages, and whether the stream is complete."""

    messages: Sequence[Message] = field(default_factory=tuple)
    last: bool = False


# Waits up to the given seconds for new messages.
Source = Callable[[float], Batch]

KEEPALIVE = ": keep-alive\n\n"
END = Message("end", {}).encode()


def event_stream_response(
    source: Source,
    streams: StreamBudget,
    *,
    retry_ms: int | None = None,
    on_close: Callable[[], None] | None = None,
) -> Response:
    """A ``text/event-stream`` response fed by ``source``, admitted by ``streams`` for this request's client.

    ``on_close`` runs once when the response is done, whether or not it ever started to stream.
    """
    client: StreamClient = g.get(STREAM_CLIENT_KEY) or StreamClient("anonymous", 1)
    slot = streams.open(client.key, client.stream_limit)
    if slot is None:
        if on_close is not None:
            on_close()
        raise AppError("too_many_streams", ErrorKind.UNAVAILABLE)
    client_gone: Callable[[], bool] = request.environ.get("waitress.client_disconnected", _never)
    response = Response(_frames(source, slot, client_gone, retry_ms), mimetype="text/event-stream")
    # The WSGI server closes every response, also one that never started to stream.
    response.call_on_close(lambda: streams.close(slot))
    if on_close is not None:
        response.call_on_close(on_close)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _frames(
    source: Source, slot: StreamSlot, client_gone: Callable[[], bool], retry_ms: int | None
) -> Iterator[str]:
    if retry_ms is not None:
        yield f"retry: {retry_ms}\n\n"
    quiet_since = time.monotonic()
    while True:
        if slot.ended.is_set():
            yield Message("end", {"reason": slot.end_reason}).encode()
            return
        if client_gone():
            return
        batch = source(WAIT_SLICE_S)
        if batch.messages:
            yield "".join(message.encode() for message in batch.messages)
            quiet_since = time.monotonic()
        if batch.last:
            yield END
            return
        if time.monotonic() - quiet_since >= KEEPALIVE_S:
            yield KEEPALIVE
            quiet_since = time.monotonic()


def _never() -> bool:
    return False
