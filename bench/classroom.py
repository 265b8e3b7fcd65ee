"""A class of students working through classroom mode's LAN listener at once.

The real app (the ComfyUI test server as its ComfyUI, every LLM stage on the LLM test server) opens a
class on 127.0.0.2 (standing in for the school network). The teacher's dashboard stream and a
projector view (the same stream, plus the projected run's detail every few seconds) stay open.
Each student joins (and from then on asks every 4 s whether it is still in the class, as the student
page does), then does ``--rounds`` times: idea -> interception (followed through its job
stream) -> generation (followed likewise) -> the run's detail and picture.

Prints: requests refused or failed (target 0), p50/p95 of the non-job API calls (target p95 <
150 ms on a 2-core machine), the longest wait of any student between two of their generations
measured in generations of each other student (ideal round-robin: at most 1), and the app's threads
and memory at their peak.

Run: .venv/bin/python bench/classroom.py [--students 30] [--rounds 2] [--join-spread 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.workshop_app import TEST_OUTPUT_ID, workshop_app
from tests.classroom.lan import LAN_ADDRESS, free_lan_port
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import AppProcess
from tests.support.job_events import parse_events

ATTITUDE = "dada"
TARGET_P95_MS = 150.0


class Figures:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_call: dict[str, list[float]] = {}
        self.failures: list[str] = []
        # (moment the generation started running, student)
        self.starts: list[tuple[float, str]] = []

    def call(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.failed(f"{method} {path}: {exc!r}")
            raise
        took = time.perf_counter() - started
        label = f"{method} {_route(path)}"
        with self._lock:
            self.latencies.append(took)
            self.by_call.setdefault(label, []).append(took)
        if response.status_code >= 400:
            self.failed(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return response

    def failed(self, what: str) -> None:
        with self._lock:
            self.failures.append(what)

    def started(self, student: str) -> None:
        with self._lock:
            self.starts.append((time.monotonic(), student))


def _route(path: str) -> str:
    parts = path.split("/")
    return "/".join("<id>" if len(part) >= 16 or part.endswith(".png") else part for part in parts)


def follow(client: httpx.Client, job_id: str, on_running: Any = None) -> str:
    """Reads a job's events to its end; returns the last state."""
    state = "unknown"
    with client.stream("GET", f"/api/jobs/{job_id}/events", timeout=600) as response:
        response.raise_for_status()
        for event in parse_events(response.iter_lines()):
            if event.type == "end":
                break
            if event.type == "state":
                state = str(event.data["state"])
                if state == "running" and on_running is not None:
                    on_running()
    return state


def student(
    number: int, port: int, code: str, rounds: int, figures: Figures, go: threading.Event, delay_s: float
) -> None:
    name = f"Kid {number}"
    done = threading.Event()
    with httpx.Client(base_url=f"http://{LAN_ADDRESS}:{port}", timeout=120) as client:
        go.wait()
        time.sleep(delay_s)
        try:
            joined = figures.call(client, "POST", "/api/class/join", json={"code": code, "nickname": name})
            if joined.status_code != 200:
                return
            figures.call(client, "GET", "/api/class/me")
            # The student's page asks every 4 s whether it is still in the class (state/student-session.ts).
            beat = threading.Thread(target=heartbeat, args=(port, client.cookies, figures, done), daemon=True)
            beat.start()
            figures.call(client, "GET", "/api/catalog/interceptions")
            figures.call(client, "GET", "/api/catalog/outputs")
            for round_number in range(rounds):
                idea = f"A fox of {name} in the snow, round {round_number}"
                started = figures.call(
                    client,
                    "POST",
                    "/api/interception",
                    json={"config_id": ATTITUDE, "idea": idea, "language": "en"},
                )
                if started.status_code != 202:
                    return
                run_id = started.json()["run_id"]
                if follow(client, started.json()["job_id"]) != "succeeded":
                    figures.failed(f"{name}: interception did not succeed")
                    return
                generation = figures.call(
                    client,
                    "POST",
                    "/api/generation",
                    json={"run_id": run_id, "text": idea, "output_id": TEST_OUTPUT_ID},
                )
                if generation.status_code != 202:
                    return
                state = follow(client, generation.json()["job_id"], lambda: figures.started(name))
                if state != "succeeded":
                    figures.failed(f"{name}: generation ended {state}")
                detail = figures.call(client, "GET", f"/api/runs/{run_id}/detail").json()
                for item in (m for g in detail["record"]["generations"] for m in g["media"]):
                    figures.call(client, "GET", f"/api/runs/{run_id}/media/{item['name']}")
                figures.call(client, "GET", "/api/runs")
        except Exception as exc:  # every broken student counts, whatever broke
            figures.failed(f"{name}: {exc!r}")
        finally:
            done.set()


HEARTBEAT_S = 4.0


def heartbeat(port: int, cookies: httpx.Cookies, figures: Figures, done: threading.Event) -> None:
    """The student page's "am I still in the class?" check, on its own connection as a browser's timer."""
    with httpx.Client(base_url=f"http://{LAN_ADDRESS}:{port}", cookies=cookies, timeout=120) as client:
        while not done.wait(HEARTBEAT_S):
            figures.call(client, "GET", "/api/class/me")


def dashboard_events(app: AppProcess, stop: threading.Event, projector: bool, figures: Figures) -> None:
    """The teacher's dashboard (or the projector, which also reads the projected run)."""
    with app.client() as client:
        try:
            with client.stream("GET", "/api/classroom/events", timeout=600) as response:
                last_detail = 0.0
                for event in parse_events(response.iter_lines()):
                    if stop.is_set() or event.type == "end":
                        return
                    projected = event.data.get("projected_run_id")
                    if projector and projected and time.monotonic() - last_detail > 3:
                        figures.call(client, "GET", f"/api/runs/{projected}/detail")
                        last_detail = time.monotonic()
        except httpx.HTTPError as exc:
            if not stop.is_set():
                figures.failed(f"dashboard stream: {exc!r}")


def teacher_actions(app: AppProcess, stop: threading.Event, figures: Figures) -> None:
    """Looks at the dashboard now and then and projects the newest result, as a teacher would."""
    with app.client() as client:
        while not stop.wait(2.0):
            board = figures.call(client, "GET", "/api/classroom/dashboard").json()
            newest = next((s["latest_run_id"] for s in board["students"] if s["latest_media_url"]), None)
            if newest is not None:
                figures.call(client, "PUT", "/api/classroom/projection", json={"run_id": newest})


def peak_sampler(pid: int, stop: threading.Event, peak: dict[str, float]) -> None:
    process = psutil.Process(pid)
    while not stop.wait(0.2):
        peak["threads"] = max(peak.get("threads", 0), process.num_threads())
        peak["rss_mb"] = max(peak.get("rss_mb", 0), process.memory_info().rss / 1e6)


def longest_wait(starts: list[tuple[float, str]]) -> int:
    """Between two generations of one student, the most generations any other single student got."""
    order = [who for _, who in sorted(starts)]
    worst = 0
    for index, who in enumerate(order):
        later = order[index + 1 :]
        if who not in later:
            continue
        between = later[: later.index(who)]
        if between:
            worst = max(worst, max(Counter(between).values()))
    return worst


def wait_until_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + 90
    while client.get("/api/comfyui/status").json()["state"] != "ready":
        if time.monotonic() > deadline:
            raise SystemExit("ComfyUI did not start")
        time.sleep(0.2)


def percentile_ms(samples: list[float], cut: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[cut - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    # Students arrive over this many seconds (they type the address and the code); 0: all at once.
    parser.add_argument("--join-spread", type=float, default=15.0)
    args = parser.parse_args()

    figures = Figures()
    peak: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        TestServerProcess() as llm,
        workshop_app(Path(folder), llm) as app,
        app.client() as teacher,
    ):
        wait_until_ready(teacher)
        port = free_lan_port()
        opened = teacher.post(
            "/api/classroom",
            json={
                "address": LAN_ADDRESS,
                "port": port,
                "attitude_ids": [ATTITUDE],
                "output_ids": [TEST_OUTPUT_ID],
                "safety_level": "kids",
                "per_student_limit": 1,
            },
        )
        if opened.status_code != 201:
            raise SystemExit(f"the class did not open: {opened.text}")
        code = opened.json()["code"]
        stop, go = threading.Event(), threading.Event()
        helpers = [
            threading.Thread(target=dashboard_events, args=(app, stop, False, figures), daemon=True),
            threading.Thread(target=dashboard_events, args=(app, stop, True, figures), daemon=True),
            threading.Thread(target=teacher_actions, args=(app, stop, figures), daemon=True),
            threading.Thread(target=peak_sampler, args=(app.process.pid, stop, peak), daemon=True),
        ]
        students = [
            threading.Thread(
                target=student,
                args=(n, port, code, args.rounds, figures, go, args.join_spread * n / args.students),
                daemon=True,
            )
            for n in range(args.students)
        ]
        for thread in helpers + students:
            thread.start()
        began = time.monotonic()
        go.set()
        for thread in students:
            thread.join(1800)
        lesson_s = time.monotonic() - began
        stop.set()
        teacher.request("DELETE", "/api/classroom")
        for thread in helpers:
            thread.join(10)

    print(
        f"classroom benchmark: {args.students} students (joining over {args.join_spread:.0f} s) x "
        f"{args.rounds} rounds through the LAN listener,"
    )
    print("  with the teacher's dashboard stream, a projector view and the teacher projecting results")
    print(f"  lesson took {lesson_s:.0f} s; {len(figures.starts)} generations")
    print(f"  requests refused or failed: {len(figures.failures)} (target 0)")
    for failure in figures.failures[:10]:
        print(f"    {failure}")
    if len(figures.latencies) >= 2:
        p50, p95 = percentile_ms(figures.latencies, 50), percentile_ms(figures.latencies, 95)
        verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
        print(
            f"  non-job API calls: {len(figures.latencies)}, p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"(target p95 < {TARGET_P95_MS:.0f} ms: {verdict})"
        )
    print("  slowest calls (p95 ms, count):")
    slowest = sorted(figures.by_call.items(), key=lambda item: -max(item[1]))[:6]
    for label, samples in slowest:
        p95_ms = percentile_ms(samples, 95) if len(samples) >= 2 else samples[0] * 1000
        print(f"    {label}: {p95_ms:.0f} ({len(samples)})")
    print(
        f"  longest wait between two generations of one student: {longest_wait(figures.starts)} "
        "generation(s) of another single student (round-robin: <= 1)"
    )
    print(f"  app at peak: {peak.get('threads', 0):.0f} threads, {peak.get('rss_mb', 0):.0f} MB RSS")


if __name__ == "__main__":
    main()
