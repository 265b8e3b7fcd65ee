"""The attitudes of the catalog as a mapping that teachers' changes replace while the app runs.

Readers never lock: each read goes to one immutable snapshot (a dict nobody mutates), and a change
swaps in a whole new snapshot under a lock. A reader iterating ``items()`` while a teacher saves keeps
the snapshot it started with, so it never sees a dict changing under it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from enum import StrEnum
from types import MappingProxyType

from server.catalog.models import InterceptionConfig


class AttitudeOrigin(StrEnum):
    SHIPPED = "shipped"  # configs/interception, part of the app
    SCHOOL = "school"  # the lab policy's read-only school folder
    TEACHER = "teacher"  # the user's own attitudes/ folder, editable


class LiveInterceptions(Mapping[str, InterceptionConfig]):
    def __init__(self, shipped: Mapping[str, InterceptionConfig]) -> None:
        self._lock = threading.Lock()
        self._configs: Mapping[str, InterceptionConfig] = MappingProxyType(dict(shipped))
        self._origins: Mapping[str, AttitudeOrigin] = MappingProxyType(
            dict.fromkeys(shipped, AttitudeOrigin.SHIPPED)
        )

    # ------------------------------------------------------------------ reading (lock-free)

    def __getitem__(self, key: str) -> InterceptionConfig:
        return self._configs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._configs)

    def __len__(self) -> int:
        return len(self._configs)

    def keys(self) -> KeysView[str]:
        return self._configs.keys()

    def items(self) -> ItemsView[str, InterceptionConfig]:
        return self._configs.items()

    def values(self) -> ValuesView[InterceptionConfig]:
        return self._configs.values()

    def snapshot(self) -> tuple[Mapping[str, InterceptionConfig], Mapping[str, AttitudeOrigin]]:
        """Attitudes and their origins as of one moment (both from the same change)."""
        with self._lock:
            return self._configs, self._origins

    def origin(self, key: str) -> AttitudeOrigin | None:
        return self._origins.get(key)

    # ------------------------------------------------------------------ changing

    def change(
        self,
        apply: Callable[[dict[str, InterceptionConfig], dict[str, AttitudeOrigin]], None],
    ) -> None:
        """Runs ``apply`` on copies and swaps them in; concurrent changes wait for each other."""
        with self._lock:
            configs = dict(self._configs)
            origins = dict(self._origins)
            apply(configs, origins)
            self._configs = MappingProxyType(configs)
            self._origins = MappingProxyType(origins)
