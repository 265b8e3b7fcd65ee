"""Limits FAILED join attempts (a wrong code), never successful joins.

A school's NAT often puts a whole class behind one address, so thirty children joining at once from
one address must all get in, and a few of them mistyping the code must not lock out the rest. Each
address therefore has a bucket of ``PER_ADDRESS_BURST`` failures that refills by one every
``PER_ADDRESS_REFILL_S`` seconds; on top, one bucket for all addresses together
(``TOTAL_BURST``, refilled every ``TOTAL_REFILL_S``) stops a guesser who spreads over many addresses.
While a bucket is empty, every join attempt from there is refused (also with the right code:
otherwise the answer itself would tell the guesser when they hit it).

With these numbers a guesser gets at most 30 tries a minute from one address and 120 a minute in
total, about 170,000 a day: against the 47 million join codes (join_code.py) that is a 1 in 270
chance per day of a class that stays open all day. A class of 30 where everyone mistypes twice in
the first minute stays within one address's burst.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

PER_ADDRESS_BURST = 60
PER_ADDRESS_REFILL_S = 2.0
TOTAL_BURST = 240
TOTAL_REFILL_S = 0.5


@dataclass
class _Bucket:
    burst: int
    refill_s: float
    level: float
    updated: float

    def refresh(self, now: float) -> None:
        self.level = min(self.burst, self.level + (now - self.updated) / self.refill_s)
        self.updated = now

    def seconds_until_one(self) -> int:
        return max(1, math.ceil((1 - self.level) * self.refill_s))


class JoinThrottle:
    def __init__(
        self,
        per_address_burst: int = PER_ADDRESS_BURST,
        per_address_refill_s: float = PER_ADDRESS_REFILL_S,
        total_burst: int = TOTAL_BURST,
        total_refill_s: float = TOTAL_REFILL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_address = (per_address_burst, per_address_refill_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._total = _Bucket(total_burst, total_refill_s, float(total_burst), clock())
        self._addresses: dict[str, _Bucket] = {}

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again, or None when it may try now."""
        with self._lock:
            now = self._clock()
            waits = []
            for bucket in (self._total, self._addresses.get(address)):
                if bucket is None:
                    continue
                bucket.refresh(now)
                if bucket.level < 1:
                    waits.append(bucket.seconds_until_one())
            return max(waits) if waits else None

    def failed(self, address: str) -> None:
        with self._lock:
            now = self._clock()
            bucket = self._addresses.get(address)
            if bucket is None:
                burst, refill_s = self._per_address
                bucket = self._addresses[address] = _Bucket(burst, refill_s, float(burst), now)
            for each in (bucket, self._total):
                each.refresh(now)
                each.level = max(0.0, each.level - 1)
            self._forget_full_buckets(now)

    def _forget_full_buckets(self, now: float) -> None:
        # Addresses that stopped failing need no memory (keeps the map small however many there are).
        if len(self._addresses) > 1000:
            for address, bucket in list(self._addresses.items()):
                bucket.refresh(now)
                if bucket.level >= bucket.burst:
                    del self._addresses[address]
