"""What the app adds to a generation: N self-test generations through the app vs. the same workflow
posted straight to the same ComfyUI.

The ComfyUI is the protocol-faithful test server (simulated node times scaled to zero), started by
the app's own supervisor; the direct path talks to that very server with a bare websocket + HTTP
client (POST /prompt, wait for the end, /history, /view). Through the app a generation also runs
stage 3 (an English text skips translation; the term check runs), records the run and saves the
media with its sha256. Runs alternate between the paths; figures are medians.

Run: .venv/bin/python bench/generation_overhead.py [--runs N] [--output selftest_image]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.app_process import REPO_ROOT, start_app
from tests.support.job_events import final_state, read_events

TEXT = "A red fox in the snow"


def app_generation(client: httpx.Client, run_id: str, output_id: str) -> tuple[float, dict[str, Any]]:
    t0 = time.perf_counter()
    response = client.post("/api/generation", json={"run_id": run_id, "text": TEXT, "output_id": output_id})
    events = read_events(client, response.json()["job_id"])
    elapsed = time.perf_counter() - t0
    if final_state(events) != "succeeded":
        raise SystemExit(f"generation failed: {events[-3:]}")
    return elapsed, json.loads(json.dumps(client.get(f"/api/runs/{run_id}").json()["generations"][-1]))


class DirectClient:
    """The same work without the app: one websocket kept open (as the app keeps its own), one prompt at
    a time, its result files downloaded."""

    def __init__(self, base_url: str) -> None:
        self._client_id = str(uuid.uuid4())
        ws_url = base_url.replace("http://", "ws://") + f"/ws?clientId={self._client_id}"
        self._resources = contextlib.ExitStack()
        self._socket = self._resources.enter_context(connect(ws_url, max_size=None))
        self._http = self._resources.enter_context(httpx.Client(base_url=base_url, timeout=60))

    def generate(self, workflow: dict[str, Any]) -> float:
        prompt_id = str(uuid.uuid4())
        t0 = time.perf_counter()
        self._http.post(
            "/prompt", json={"prompt": workflow, "client_id": self._client_id, "prompt_id": prompt_id}
        )
        while True:
            message = self._socket.recv()
            if isinstance(message, bytes):
                continue
            data = json.loads(message)
            ended = data["type"] == "executing" and data["data"].get("node") is None
            if ended and data["data"].get("prompt_id") == prompt_id:
                break
        history = self._http.get(f"/history/{prompt_id}").json()[prompt_id]
        for output in history["outputs"].values():
            for key in ("images", "audio"):
                for item in output.get(key, []):
                    params = {k: item[k] for k in ("filename", "subfolder", "type")}
                    self._http.get("/view", params=params).raise_for_status()
        return time.perf_counter() - t0

    def close(self) -> None:
        self._resources.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--output", default="selftest_image")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = start_app(
            Path(folder) / "app",
            extra_args=[
                "--comfyui-dir",
                str(REPO_ROOT / "tests" / "comfyui_testserver"),
                "--comfyui-python",
                sys.executable,
            ],
            env={"COMFYUI_TESTSERVER_TIME_SCALE": "0", "COMFYUI_TESTSERVER_PAUSE_AFTER_PROMPT": "0"},
        )
        try:
            with app.client("en") as client:
                deadline = time.monotonic() + 60
                while (status := client.get("/api/comfyui/status").json())["state"] != "ready":
                    if time.monotonic() > deadline:
                        raise SystemExit(f"ComfyUI did not start: {status}")
                    time.sleep(0.1)
                base_url = status["url"]
                response = client.post(
                    "/api/interception",
                    json={"config_id": "as_is", "idea": TEXT, "rules": "", "language": "en"},
                )
                read_events(client, response.json()["job_id"])
                run_id = response.json()["run_id"]
                # Warm-up on both paths; the app's recorded workflow is what the direct path sends.
                _, generation = app_generation(client, run_id, args.output)
                workflow = generation["request"]
                direct_client = DirectClient(base_url)
                direct_client.generate(workflow)

                through_app, direct = [], []
                for _ in range(args.runs):
                    through_app.append(app_generation(client, run_id, args.output)[0])
                    direct.append(direct_client.generate(workflow))
                direct_client.close()
                app_rss = psutil.Process(app.process.pid).memory_info().rss / 1e6
        finally:
            app.stop()

    app_ms, direct_ms = statistics.median(through_app) * 1000, statistics.median(direct) * 1000
    print(f"generation overhead benchmark: {args.runs} runs per path, output '{args.output}', test server")
    print(f"  per job   direct {direct_ms:7.1f} ms   through the app {app_ms:7.1f} ms")
    print(f"  overhead  {app_ms - direct_ms:+7.1f} ms per job   ratio app/direct {app_ms / direct_ms:.2f}")
    print(f"  app memory after the runs: {app_rss:.0f} MB RSS")


if __name__ == "__main__":
    main()
