"""Normal requests while many server-sent event streams are open.

For 0, 24, 100 and 200 open streams (idle ComfyUI status streams on plain sockets, plus one job
stream that receives live events all the time: generations against the ComfyUI test server one after
the other), the latency of `GET /api/health` and `GET /api/settings` (p50/p95 over sequential
requests on one keep-alive connection), and the app's thread count and memory. Target: p95 < 50 ms
at 200 streams.

Run: .venv/bin/python bench/streams.py [--requests N] [--levels 0,24,100,200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.app_process import REPO_ROOT, AppProcess, start_app
from tests.support.raw_streams import RawEventStream

TEXT = "A red fox in the snow"
TARGET_P95_MS = 50.0


class LiveJobs:
    """Generations one after another, each followed through its event stream, until stopped."""

    def __init__(self, app: AppProcess, run_id: str) -> None:
        self._app = app
        self._run_id = run_id
        self._stop = threading.Event()
        self.events = 0
        self.jobs = 0
        self.failure: str | None = None
        self._thread = threading.Thread(target=self._run, name="live-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(120)

    def _run(self) -> None:
        try:
            with self._app.client() as client:
                while not self._stop.is_set():
                    started = client.post(
                        "/api/generation",
                        json={"run_id": self._run_id, "text": TEXT, "output_id": "selftest_image"},
                    )
                    started.raise_for_status()
                    path = f"/api/jobs/{started.json()['job_id']}/events"
                    with client.stream("GET", path, timeout=300) as response:
                        for line in response.iter_lines():
                            if line.startswith("event: "):
                                self.events += 1
                            if line == "event: end":
                                break
                    self.jobs += 1
        except Exception as exc:  # the figures must say that the live stream broke
            self.failure = repr(exc)


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def measure(client: httpx.Client, path: str, requests: int) -> list[float]:
    samples = []
    for _ in range(requests):
        t0 = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - t0)
        response.raise_for_status()
    return samples


def wait_until_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while (status := client.get("/api/comfyui/status").json())["state"] != "ready":
        if time.monotonic() > deadline:
            raise SystemExit(f"ComfyUI did not start: {status}")
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--levels", default="0,24,100,200")
    args = parser.parse_args()
    levels = sorted(int(level) for level in args.levels.split(","))

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        app = start_app(
            Path(folder) / "app",
            extra_args=[
                "--comfyui-dir",
                str(REPO_ROOT / "tests" / "comfyui_testserver"),
                "--comfyui-python",
                sys.executable,
            ],
        )
        streams: list[RawEventStream] = []
        live: LiveJobs | None = None
        try:
            process = psutil.Process(app.process.pid)
            with app.client() as client:
                wait_until_ready(client)
                started = client.post(
                    "/api/interception",
                    json={"config_id": "as_is", "idea": TEXT, "rules": "", "language": "en"},
                )
                live = LiveJobs(app, started.json()["run_id"])
                live.start()
                measure(client, "/api/health", 20)  # warm-up
                for level in levels:
                    while len(streams) < level:
                        streams.append(RawEventStream(app.port, app.token, "/api/comfyui/events"))
                    if not all(stream.wait_for("event: status") for stream in streams):
                        raise SystemExit(f"not every one of {level} streams got its first event")
                    events_before = live.events
                    health = measure(client, "/api/health", args.requests)
                    settings = measure(client, "/api/settings", args.requests)
                    rows.append(
                        (
                            level,
                            *percentiles(health),
                            *percentiles(settings),
                            process.num_threads(),
                            process.memory_info().rss / 1e6,
                            live.events - events_before,
                        )
                    )
        finally:
            if live is not None:
                live.stop()
            for stream in streams:
                stream.close()
            app.stop()

    print(f"event stream benchmark: {args.requests} sequential requests per figure, one live job stream")
    print("  streams  health p50/p95 ms  settings p50/p95 ms  threads  RSS MB  live job events")
    for level, h50, h95, s50, s95, threads, rss, events in rows:
        print(
            f"  {level:7d}  {h50:7.1f} /{h95:6.1f}    {s50:7.1f} /{s95:6.1f}      "
            f"{threads:5d}  {rss:6.0f}  {events:6d}"
        )
    at_200 = [max(row[2], row[4]) for row in rows if row[0] >= 200]
    if at_200:
        verdict = "met" if max(at_200) < TARGET_P95_MS else "MISSED"
        print(f"  target p95 < {TARGET_P95_MS:.0f} ms at 200 streams: {verdict}")
    if live is not None:
        print(
            f"  live job stream: {live.jobs} generations followed"
            + (f", broke: {live.failure}" if live.failure else "")
        )


if __name__ == "__main__":
    main()
