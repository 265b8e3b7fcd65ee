"""The tests' one reader of server-sent events (tests/support/job_events.py) reads what an EventSource
reads: ids, event names, data over several lines, comments and retry lines skipped, the end event kept."""

from __future__ import annotations

from tests.support.job_events import Event, parse_events

STREAM = """retry: 3000
: keep-alive

id: 1
event: state
data: {"state": "running"}

id: 2
event: token
data: {"text":
data:  "piece0"}

: keep-alive
data: {"state": "ready"}

event: end
data: {"reason": "done"}

"""


def test_every_event_with_its_id_name_and_joined_data() -> None:
    events = list(parse_events(STREAM.splitlines()))
    assert events == [
        Event(1, "state", {"state": "running"}),
        Event(2, "token", {"text": "piece0"}),
        Event(None, "message", {"state": "ready"}),
        Event(None, "end", {"reason": "done"}),
    ]


def test_an_event_without_its_closing_blank_line_is_not_read() -> None:
    assert list(parse_events(["event: state", 'data: {"state": "running"}'])) == []
