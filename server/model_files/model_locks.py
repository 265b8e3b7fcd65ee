"""One task at a time per model file: an import and a download must never write the same file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ModelLocks:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[str] = set()

    @contextmanager
    def hold(self, model_id: str) -> Iterator[bool]:
        """Yields False (and holds nothing) when another task has the model."""
        with self._lock:
            free = model_id not in self._busy
            if free:
                self._busy.add(model_id)
        try:
            yield free
        finally:
            if free:
                with self._lock:
                    self._busy.discard(model_id)

    def busy(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._busy)
