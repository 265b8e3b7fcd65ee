"""How many server-sent event streams may be open at once, in total and per client.

Waitress cannot hand a socket off to an event loop, so an open stream occupies one worker thread for
as long as it lasts. The web server therefore runs ``WORKER_THREADS``: room for every stream the
budget admits plus ``REQUEST_THREADS`` that only normal requests can ever use, whatever the number of
open streams.

A new stream never waits: when its client already holds its bound, that client's OLDEST stream is
told to end; when the whole budget is taken, the oldest stream of the client holding the most is.
An ended stream leaves within one wait slice of its stream (about a second), so for that moment the
open streams may exceed ``MAX_STREAMS``, never ``HARD_LIMIT``: beyond it a new stream is refused.

Clients are told apart by a key the caller derives from the request's credential (the launch token
or a session cookie), never by IP address: the app window, a dashboard and a projector view all
come from 127.0.0.1 with the same credential and are one client.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from dataclasses import dataclass, field

MAX_STREAMS = 256
# Streams that were told to end but have not left yet (see the module text).
ENDING_STREAMS = 16
HARD_LIMIT = MAX_STREAMS + ENDING_STREAMS
# Threads only normal requests can ever get: /api/health and the UI's calls while every stream is open.
REQUEST_THREADS = 16
WORKER_THREADS = HARD_LIMIT + REQUEST_THREADS


REPLACED = "replaced"
SHUTDOWN = "shutdown"


@dataclass(eq=False)
class StreamSlot:
    """One admitted stream. ``ended`` is set when it has to go: its place is needed for a newer
    stream (``end_reason`` REPLACED) or the server stops (SHUTDOWN)."""

    client: str
    number: int
    ended: threading.Event = field(default_factory=threading.Event)
    end_reason: str = REPLACED

    def end(self, reason: str = REPLACED) -> None:
        if not self.ended.is_set():
            self.end_reason = reason
            self.ended.set()


class StreamBudget:
    def __init__(self, max_streams: int = MAX_STREAMS, hard_limit: int = HARD_LIMIT) -> None:
        if hard_limit < max_streams:
            raise ValueError("the hard limit must not be below the number of streams")
        self._max_streams = max_streams
        self._hard_limit = hard_limit
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        # Oldest first; a slot stays here until its stream has left (close), ended or not.
        self._slots: list[StreamSlot] = []

    @property
    def max_streams(self) -> int:
        return self._max_streams

    def open(self, client: str, client_limit: int) -> StreamSlot | None:
        """A slot for a new stream of ``client``, or None when even ending streams cannot make room."""
        with self._lock:
            if len(self._slots) >= self._hard_limit:
                return None
            live = [slot for slot in self._slots if not slot.ended.is_set()]
            own = [slot for slot in live if slot.client == client]
            for slot in own[: max(0, len(own) - max(1, client_limit) + 1)]:
                slot.end()
                live.remove(slot)
            if len(live) >= self._max_streams:
                self._end_oldest_of_largest_client(live)
            slot = StreamSlot(client=client, number=next(self._numbers))
            self._slots.append(slot)
            return slot

    def close(self, slot: StreamSlot) -> None:
        """The stream has left (ended, finished or its reader went away); safe to call twice."""
        with self._lock:
            if slot in self._slots:
                self._slots.remove(slot)

    def end_all(self) -> None:
        """Tells every stream to end because the server stops; each leaves within its wait slice."""
        with self._lock:
            for slot in self._slots:
                slot.end(SHUTDOWN)

    def open_count(self, client: str | None = None) -> int:
        """Streams that are open and not told to end (of one client, or of all)."""
        with self._lock:
            return sum(
                1
                for slot in self._slots
                if not slot.ended.is_set() and (client is None or slot.client == client)
            )

    @staticmethod
    def _end_oldest_of_largest_client(live: list[StreamSlot]) -> None:
        # The client with the most streams gives one up, so one busy client cannot push out others.
        counts = Counter(slot.client for slot in live)
        largest = max(counts.values())
        victim = next(slot for slot in live if counts[slot.client] == largest)
        victim.end()
