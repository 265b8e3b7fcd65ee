"""Gallery figures with many runs, as medians over several repetitions.

(a) writing N finished runs through the real RunStore (folders + index rows), once
(b) cold index rebuild: the index file removed, RunStore.sync_index() reads every run.json
(c) warm start check: sync_index() with an index in step (stat of every run.json, nothing read)
(d) the real app started on those runs: GET /api/runs (first page of 24), over HTTP, timed
(e) paging: GET /api/runs?offset=... deep into the list, and with a filter (attitude + medium)
(f) GET /api/runs/facets and the detail of one run

Run: .venv/bin/python bench/gallery.py [--runs 5000] [--repeat 7]
Target: the first page of 5,000 runs in under 200 ms. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.runs.store import INDEX_FILE, RunStore
from server.settings.paths import AppPaths
from tests.support.app_process import start_app
from tests.support.run_folders import RunSpec, day, write_run

ATTITUDES = ("dada", "bauhaus", "renaissance", "telephone", "de_kitsch")
MEDIA = ("image", "image", "image", "audio", "video")


def median_ms(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst of ``repeat`` timings in milliseconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def write_runs(runs_dir: Path, count: int) -> float:
    store = RunStore(runs_dir)
    started = time.perf_counter()
    for index in range(count):
        spec = RunSpec(
            f"Idee Nummer {index}: ein Fest im Regen",
            day(index // 40, 8 + index % 10),
            attitude=ATTITUDES[index % len(ATTITUDES)],
            medium=MEDIA[index % len(MEDIA)],
        )
        write_run(store, spec)
    store.close()
    return time.perf_counter() - started


def cold_rebuild(runs_dir: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{runs_dir / INDEX_FILE}{suffix}").unlink(missing_ok=True)
    store = RunStore(runs_dir)
    store.sync_index()
    store.close()


def warm_sync(runs_dir: Path) -> None:
    store = RunStore(runs_dir)
    store.sync_index()
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ai4artsed-gallery-bench-") as temp:
        folder = Path(temp) / "app"
        paths = AppPaths.in_folder(folder)
        paths.create()
        print(f"writing {options.runs} runs ...", flush=True)
        seconds = write_runs(paths.runs_dir, options.runs)
        print(f"(a) write {options.runs} runs through RunStore: {seconds:.1f} s "
              f"({seconds / options.runs * 1000:.2f} ms per run)")  # fmt: skip

        rebuild = median_ms(lambda: cold_rebuild(paths.runs_dir), max(3, options.repeat // 2))
        print(
            f"(b) cold index rebuild of {options.runs} runs: "
            f"median {rebuild[0]:.0f} ms, worst {rebuild[1]:.0f} ms"
        )
        warm = median_ms(lambda: warm_sync(paths.runs_dir), options.repeat)
        print(f"(c) start-up sync, index in step: median {warm[0]:.0f} ms, worst {warm[1]:.0f} ms")

        with start_app(folder) as app, app.client() as client:

            def get(path: str, **params: str | int) -> None:
                response = client.get(path, params=params)
                response.raise_for_status()

            get("/api/runs")  # the first request of a fresh process warms Flask's routing
            first = median_ms(lambda: get("/api/runs"), options.repeat)
            print(f"(d) first page (24 of {options.runs}) over HTTP: median {first[0]:.1f} ms, "
                  f"worst {first[1]:.1f} ms (target < 200 ms)")  # fmt: skip
            for offset in (24, options.runs // 2, options.runs - 24):
                paged = median_ms(functools.partial(get, "/api/runs", offset=offset), options.repeat)
                print(f"(e) page at offset {offset}: median {paged[0]:.1f} ms, worst {paged[1]:.1f} ms")
            filtered = median_ms(
                lambda: get("/api/runs", attitude="dada", medium="image", offset=48), options.repeat
            )
            print(
                f"(e) filtered page (attitude + medium): "
                f"median {filtered[0]:.1f} ms, worst {filtered[1]:.1f} ms"
            )
            dated = median_ms(
                lambda: get("/api/runs", since=day(30).isoformat(), until=day(60).isoformat()), options.repeat
            )
            print(f"(e) date-range page: median {dated[0]:.1f} ms, worst {dated[1]:.1f} ms")
            facets = median_ms(lambda: get("/api/runs/facets"), options.repeat)
            print(f"(f) facets: median {facets[0]:.1f} ms, worst {facets[1]:.1f} ms")
            run_id = client.get("/api/runs", params={"limit": 1}).json()["runs"][0]["id"]
            detail = median_ms(lambda: get(f"/api/runs/{run_id}/detail"), options.repeat)
            print(f"(f) detail of one run: median {detail[0]:.1f} ms, worst {detail[1]:.1f} ms")


if __name__ == "__main__":
    main()
