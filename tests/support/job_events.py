"""The one reader of server-sent events in the tests, the way the UI's EventSource reads them.

``parse_events`` turns a stream's lines into events (any line source: a real HTTP response, the
in-process app's, or recorded text); ``stream_events`` reads any event stream of the app over an
``httpx`` client; ``iter_job_events`` and ``read_events`` read a job's stream up to its ``end``.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Event:
    seq: int | None
    type: str
    data: dict[str, Any]


def parse_events(lines: Iterable[str]) -> Iterator[Event]:
    """Every event in ``lines`` (comments and ``retry:`` skipped; multi-line data joined), ``end`` too."""
    seq: int | None = None
    kind = "message"
    data_lines: list[str] = []
    for line in lines:
        if line.startswith(":") or line.startswith("retry:"):
            continue
        if line.startswith("id: "):
            seq = int(line[4:])
        elif line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data_lines.append(line[6:])
        elif line == "" and data_lines:
            yield Event(seq, kind, json.loads("\n".join(data_lines)))
            seq, kind, data_lines = None, "message", []


def stream_events(
    client: httpx.Client, path: str, *, headers: dict[str, str] | None = None, timeout: float = 300
) -> Generator[Event]:
    """The events of the stream at ``path`` as they arrive; leaving the loop closes the stream."""
    with client.stream("GET", path, headers=headers or {}, timeout=timeout) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield from parse_events(response.iter_lines())


def iter_job_events(
    client: httpx.Client, job_id: str, after: int = 0, timeout: float = 300
) -> Generator[Event]:
    """A job's events after ``after`` as they arrive (for acting in the middle of a job), until ``end``."""
    headers = {"Last-Event-ID": str(after)} if after else {}
    for event in stream_events(client, f"/api/jobs/{job_id}/events", headers=headers, timeout=timeout):
        if event.type == "end":
            return
        yield event


def read_events(client: httpx.Client, job_id: str, after: int = 0, limit: int | None = None) -> list[Event]:
    """All events after ``after`` until the stream ends (or ``limit`` events arrived)."""
    events: list[Event] = []
    with closing(iter_job_events(client, job_id, after)) as stream:
        for event in stream:
            events.append(event)
            if limit is not None and len(events) >= limit:
                break
    return events


def final_state(events: list[Event]) -> str:
    states = [event.data["state"] for event in events if event.type == "state"]
    return str(states[-1])


def of_type(events: list[Event], kind: str) -> list[dict[str, object]]:
    return [event.data for event in events if event.type == kind]
