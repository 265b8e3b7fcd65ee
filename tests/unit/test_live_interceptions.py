"""The live attitude catalog: readers iterate while teachers' changes swap in new snapshots."""

from __future__ import annotations

import functools
import threading

from server.catalog.live_interceptions import AttitudeOrigin, LiveInterceptions
from server.catalog.loader import CatalogLoader
from server.catalog.models import InterceptionConfig
from server.resources import Resources

SHIPPED = dict(CatalogLoader(Resources.locate().app_root).load().interceptions)


def test_readers_never_see_a_dict_change_under_them() -> None:
    live = LiveInterceptions(SHIPPED)
    dada = SHIPPED["dada"]
    stop = threading.Event()
    failures: list[BaseException] = []

    def read() -> None:
        try:
            while not stop.is_set():
                for key, config in live.items():
                    assert isinstance(config, InterceptionConfig), key
                configs, origins = live.snapshot()
                assert configs.keys() == origins.keys()
        except BaseException as error:
            failures.append(error)

    def change(index: int) -> None:
        for round_ in range(300):
            key = f"teacher_{index}_{round_}"
            live.change(functools.partial(_put, key=key, config=dada))
            if round_ % 2:
                live.change(functools.partial(_remove, key=key, config=dada))

    readers = [threading.Thread(target=read) for _ in range(4)]
    writers = [threading.Thread(target=change, args=(index,)) for index in range(4)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert failures == []
    configs, origins = live.snapshot()
    assert set(configs) == set(origins)
    # Exactly the attitudes each writer kept (the even rounds): no change was lost to a concurrent one.
    kept = {f"teacher_{index}_{round_}" for index in range(4) for round_ in range(0, 300, 2)}
    assert set(configs) - set(SHIPPED) == kept
    assert live.origin("dada") is AttitudeOrigin.SHIPPED


def _put(
    configs: dict[str, InterceptionConfig],
    origins: dict[str, AttitudeOrigin],
    key: str,
    config: InterceptionConfig,
) -> None:
    configs[key] = config
    origins[key] = AttitudeOrigin.TEACHER


def _remove(
    configs: dict[str, InterceptionConfig],
    origins: dict[str, AttitudeOrigin],
    key: str,
    config: InterceptionConfig,
) -> None:
    configs.pop(key, None)
    origins.pop(key, None)
