"""Many open event streams and idle connections do not starve normal requests (the real app, real HTTP).

Each event stream occupies one of the web server's worker threads for as long as it is open; idle
connections count against its connection limit. Neither may stop `/api/health` or the UI's calls.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from tests.support.app_process import start_app
from tests.support.job_events import final_state, read_events
from tests.support.raw_streams import RawEventStream, closed_by_peer

STATUS_EVENTS = "/api/comfyui/events"
# One more than the app's stream budget (server/stream_budget.py: MAX_STREAMS).
BEYOND_THE_BUDGET = 257
REPLACED = 'event: end\ndata: {"reason": "replaced"}'


def answers(client: httpx.Client, path: str) -> bool:
    # Generous: the machine is shared; a server that is stalled does not answer at all.
    return client.get(path, timeout=20).status_code == 200


def test_open_and_abruptly_closed_streams_leave_health_and_settings_answering(tmp_path: Path) -> None:
    with start_app(tmp_path / "app") as app, app.client() as api:
        streams = [RawEventStream(app.port, app.token, STATUS_EVENTS) for _ in range(40)]
        assert answers(api, "/api/health")
        assert answers(api, "/api/settings")
        assert all(stream.wait_for("event: status") for stream in streams)

        # Tabs that were killed or reloaded: their readers are gone without a word.
        for stream in streams[:20]:
            stream.close_abruptly()
        streams = streams[20:] + [RawEventStream(app.port, app.token, STATUS_EVENTS) for _ in range(20)]
        assert all(stream.wait_for("event: status") for stream in streams)
        assert answers(api, "/api/health")
        assert answers(api, "/api/settings")

        # A job's stream still replays everything and ends at its final state while the others stay open.
        started = api.post(
            "/api/interception",
            json={"config_id": "as_is", "idea": "A red fox in the snow", "rules": "", "language": "en"},
        )
        assert started.status_code == 202, started.text
        events = read_events(api, started.json()["job_id"])
        assert final_state(events) == "succeeded"
        replay = read_events(api, started.json()["job_id"], after=events[0].seq or 0)
        assert [event.seq for event in replay] == [event.seq for event in events[1:]]
        for stream in streams:
            stream.close()


def test_streams_beyond_the_budget_end_the_oldest_and_requests_still_answer(tmp_path: Path) -> None:
    with start_app(tmp_path / "app") as app, app.client() as api:
        # The first four are surely the oldest: the rest opens only once they stream.
        oldest = [RawEventStream(app.port, app.token, STATUS_EVENTS) for _ in range(4)]
        assert all(stream.wait_for("event: status") for stream in oldest)
        streams = oldest + [
            RawEventStream(app.port, app.token, STATUS_EVENTS) for _ in range(BEYOND_THE_BUDGET - 1)
        ]
        assert answers(api, "/api/health")
        assert answers(api, "/api/settings")
        assert all(stream.wait_for("event: status") for stream in streams)
        # The window, a dashboard and a projector share the launch credential: one client, and its
        # oldest streams make room for the newest.
        assert all(stream.wait_for(REPLACED, timeout=30) for stream in oldest)
        assert all(closed_by_peer(stream.sock, 30) for stream in oldest)
        assert not any(REPLACED.encode() in stream.received for stream in streams[-10:])
        for stream in streams:
            stream.close()


def test_stopping_the_app_ends_its_open_streams(tmp_path: Path) -> None:
    app = start_app(tmp_path / "app")
    try:
        streams = [RawEventStream(app.port, app.token, STATUS_EVENTS) for _ in range(30)]
        assert all(stream.wait_for("event: status") for stream in streams)
    finally:
        assert app.stop() == 0
    # Told, not cut off: a page learns that the app went away and does not reconnect on its own.
    assert all(stream.wait_for('event: end\ndata: {"reason": "shutdown"}', timeout=5) for stream in streams)


def test_idle_connections_do_not_block_the_server_and_are_closed_after_a_while(tmp_path: Path) -> None:
    with start_app(tmp_path / "app") as app, app.client() as api:
        stream = RawEventStream(app.port, app.token, STATUS_EVENTS)
        assert stream.wait_for("event: status")
        # Any local program can do this without the token: connect and say nothing.
        idle = [socket.create_connection(("127.0.0.1", app.port), timeout=30) for _ in range(150)]
        try:
            assert answers(api, "/api/health")
            assert answers(api, "/api/settings")
            deadline = time.monotonic() + 180
            for sock in idle:
                assert closed_by_peer(sock, max(1.0, deadline - time.monotonic())), (
                    "an idle connection stayed open"
                )
        finally:
            for sock in idle:
                sock.close()
        # The idle timeout never cuts an open stream: it still sends its keep-alive comments.
        seen = stream.count(": keep-alive")
        assert stream.wait_for(": keep-alive", timeout=60, times=seen + 1)
        assert answers(api, "/api/health")
        stream.close()
