"""Reads a job's server-sent events over real HTTP, the way the UI's EventSource does."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Event:
    seq: int | None
    type: str
    data: dict[str, object]


def read_events(client: httpx.Client, job_id: str, after: int = 0, limit: int | None = None) -> list[Event]:
    """All events after ``after`` until the stream ends (or ``limit`` events arrived)."""
    events: list[Event] = []
    headers = {"Last-Event-ID": str(after)} if after else {}
    with client.stream("GET", f"/api/jobs/{job_id}/events", headers=headers, timeout=300) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        seq: int | None = None
        kind = "message"
        data_lines: list[str] = []
        for line in response.iter_lines():
            if line.startswith(":") or line.startswith("retry:"):
                continue
            if line.startswith("id: "):
                seq = int(line[4:])
            elif line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data_lines.append(line[6:])
            elif line == "" and data_lines:
                if kind == "end":
                    return events
                events.append(Event(seq, kind, json.loads("\n".join(data_lines))))
                if limit is not None and len(events) >= limit:
                    return events
                seq, kind, data_lines = None, "message", []
    return events


def final_state(events: list[Event]) -> str:
    states = [event.data["state"] for event in events if event.type == "state"]
    return str(states[-1])


def of_type(events: list[Event], kind: str) -> list[dict[str, object]]:
    return [event.data for event in events if event.type == kind]
