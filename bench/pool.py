"""Throughput of a ComfyUI pool: N self-test generations against 1, 2 and 3 machines.

Each machine is the protocol-faithful test server in its own process with a simulated per-job time
(``--seconds``, spent in the self-test's noise node). All N generations are submitted at once (one run
each) and the wall time until the last one has its media gives the throughput. The app's overhead per
job is the one-machine time per job minus the time the same workflow takes posted straight to that
machine (a bare websocket + HTTP client, one prompt at a time).

Targets (docs/comfyui-pool.md): scaling >= 1.8x with 2 machines, >= 2.6x with 3; overhead < 30 ms.

Run: .venv/bin/python bench/pool.py [--jobs 30] [--seconds 0.5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generation_overhead import DirectClient
from tests.comfyui_pool.machines import TestMachine
from tests.support.app_process import start_app
from tests.support.job_events import final_state, read_events

Workflow = dict[str, Any]
TEXT = "A red fox in the snow"
OUTPUT = "selftest_image"


def new_run(client: httpx.Client) -> str:
    response = client.post(
        "/api/interception", json={"config_id": "as_is", "idea": TEXT, "rules": "", "language": "en"}
    )
    read_events(client, response.json()["job_id"])
    run_id: str = response.json()["run_id"]
    return run_id


def wait_ready(client: httpx.Client, count: int) -> None:
    deadline = time.monotonic() + 120
    while True:
        machines = client.get("/api/comfyui/pool").json()["machines"]
        if sum(1 for m in machines if m["status"]["state"] in ("ready", "busy")) >= count:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"the machines did not get ready: {machines}")
        time.sleep(0.1)


def pool_run(folder: Path, machines: list[TestMachine], jobs: int) -> tuple[float, dict[str, int], Workflow]:
    args = [argument for machine in machines for argument in ("--comfyui-url", machine.url)]
    app = start_app(folder / f"app-{len(machines)}", extra_args=args)
    try:
        with app.client("en") as client:
            wait_ready(client, len(machines))
            runs = [new_run(client) for _ in range(jobs + 1)]
            warm = client.post(
                "/api/generation", json={"run_id": runs.pop(), "text": TEXT, "output_id": OUTPUT}
            )
            read_events(client, warm.json()["job_id"])
            t0 = time.perf_counter()
            started = [
                client.post("/api/generation", json={"run_id": run_id, "text": TEXT, "output_id": OUTPUT})
                for run_id in runs
            ]
            for response in started:
                events = read_events(client, response.json()["job_id"])
                if final_state(events) != "succeeded":
                    raise SystemExit(f"a generation failed: {events[-3:]}")
            wall = time.perf_counter() - t0
            where: dict[str, int] = {}
            for run_id in runs:
                machine = client.get(f"/api/runs/{run_id}").json()["generations"][0]["machine"]
                where[machine] = where.get(machine, 0) + 1
            workflow = client.get(f"/api/runs/{runs[0]}").json()["generations"][0]["request"]
    finally:
        app.stop()
    return wall, where, workflow


def reseeded(workflow: Workflow, seed: int) -> Workflow:
    copy: Workflow = json.loads(json.dumps(workflow))
    for node in copy.values():
        if "seed" in node["inputs"]:
            node["inputs"]["seed"] = 10_000 + seed
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=0.5, help="simulated time per job on a machine")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        machines = [
            TestMachine(folder / f"m{i}", seconds_per_job=args.seconds, slow_class="ImageAddNoise").start()
            for i in range(3)
        ]
        try:
            results: dict[int, float] = {}
            workflow: Workflow = {}
            for count in (1, 2, 3):
                wall, where, workflow = pool_run(folder, machines[:count], args.jobs)
                results[count] = wall
                spread = ", ".join(f"{n}" for n in sorted(where.values(), reverse=True))
                print(
                    f"  {count} machine(s): {args.jobs} jobs in {wall:6.2f} s  "
                    f"{args.jobs / wall:5.2f} jobs/s  jobs per machine: {spread}",
                    flush=True,
                )
            direct = DirectClient(machines[0].url)
            # A new seed each time: ComfyUI's cache would answer an identical prompt at once.
            times = [direct.generate(reseeded(workflow, seed)) for seed in range(11)][1:]
            direct.close()
        finally:
            for machine in machines:
                machine.kill()

    direct_s = statistics.median(times)
    one = results[1] / args.jobs
    print(f"pool benchmark: {args.jobs} self-test generations, {args.seconds} s simulated per job")
    for count in (2, 3):
        target = {2: 1.8, 3: 2.6}[count]
        print(f"  scaling with {count} machines: {results[1] / results[count]:.2f}x (target >= {target}x)")
    print(
        f"  per job: direct {direct_s * 1000:.1f} ms, through the app (1 machine) {one * 1000:.1f} ms, "
        f"overhead {(one - direct_s) * 1000:+.1f} ms (target < 30 ms)"
    )


if __name__ == "__main__":
    main()
