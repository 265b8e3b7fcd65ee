"""Start-up figures of the real program, as medians over several cold starts.

(a) process start -> GET /api/health answers 200 (headless)
(b) process start -> the page is served (headless: GET / with the launch token returns the UI;
    windowed: the Qt window reports the app shell on screen; Qt runs offscreen without a display)
(c) idle resident memory of the app process (and, windowed, with its web engine children)
(d) headless: stop signal -> the process has exited (every quit, and every test that stops an app)

Run: .venv/bin/python bench/startup.py [--runs N] [--no-window] [--command "build/dist/ai4artsed/ai4artsed"]
(--command measures another program, e.g. the frozen bundle; default: python -m desktop.main, or
AI4ARTSED_APP_COMMAND when set.)
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.app_process import APP_COMMAND_ENV, REPO_ROOT, app_command, free_port

TOKEN = "bench-token-0123456789abcdef"
READY_LINE = "window shows the app"
T = TypeVar("T")


def start(command: list[str], data_dir: Path, windowed: bool) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    log_path = data_dir / "out.log"
    args = [
        *command,
        f"--port={port}",
        f"--token={TOKEN}",
        f"--data-dir={data_dir}",
    ]
    env = dict(os.environ)
    if windowed:
        if not env.get("DISPLAY"):
            env["QT_QPA_PLATFORM"] = "offscreen"
        if os.geteuid() == 0:
            env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    else:
        args.append("--headless")
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, port, log_path


def wait_for(predicate: Callable[[T], bool], argument: T, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate(argument):
            return
        time.sleep(0.002)
    raise TimeoutError("the app did not get there in time")


def window_ready(log_path: Path) -> bool:
    return READY_LINE in log_path.read_text(errors="replace")


def health_ok(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=0.5).status_code == 200
    except httpx.TransportError:
        return False


def page_ok(port: int) -> bool:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/?token={TOKEN}", timeout=1.0, follow_redirects=True)
    except httpx.TransportError:
        return False
    return response.status_code == 200 and '<div id="app"' in response.text


def rss_mb(process: subprocess.Popen[bytes], with_children: bool) -> float:
    root = psutil.Process(process.pid)
    members = [root, *root.children(recursive=True)] if with_children else [root]
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 1e6


def stop(process: subprocess.Popen[bytes]) -> float:
    """Seconds from the stop signal until the process has exited."""
    t0 = time.monotonic()
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
    return time.monotonic() - t0


def measure_headless(
    command: list[str], runs: int
) -> tuple[list[float], list[float], list[float], list[float]]:
    health, page, memory, stopping = [], [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.monotonic()
            process, port, _ = start(command, Path(folder), windowed=False)
            wait_for(health_ok, port)
            health.append(time.monotonic() - t0)
            wait_for(page_ok, port)
            page.append(time.monotonic() - t0)
            time.sleep(2.0)
            memory.append(rss_mb(process, with_children=False))
            stopping.append(stop(process))
    return health, page, memory, stopping


def measure_windowed(command: list[str], runs: int) -> tuple[list[float], list[float], list[float]]:
    ready, memory_app, memory_all = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.monotonic()
            process, _, log_path = start(command, Path(folder), windowed=True)
            wait_for(window_ready, log_path)
            ready.append(time.monotonic() - t0)
            time.sleep(2.0)
            memory_app.append(rss_mb(process, with_children=False))
            memory_all.append(rss_mb(process, with_children=True))
            stop(process)
    return ready, memory_app, memory_all


def report(label: str, values: list[float], unit: str, scale: float = 1.0) -> None:
    scaled = [v * scale for v in values]
    print(
        f"  {label:<44} median {statistics.median(scaled):8.1f} {unit}"
        f"   (min {min(scaled):.1f}, max {max(scaled):.1f}, n={len(scaled)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-window", action="store_true", help="skip the windowed measurement")
    parser.add_argument(
        "--command",
        help=f"the program to measure, e.g. build/dist/ai4artsed/ai4artsed (default: {APP_COMMAND_ENV} "
        "or python -m desktop.main)",
    )
    args = parser.parse_args()
    if args.command:
        os.environ[APP_COMMAND_ENV] = args.command
    command = app_command()

    print(f"startup benchmark: {args.runs} cold starts each, {os.cpu_count()} CPUs")
    print(f"program: {shlex.join(command)}")
    health, page, memory, stopping = measure_headless(command, args.runs)
    print("headless:")
    report("(a) process start -> /api/health 200", health, "ms", 1000)
    report("(b) process start -> page served", page, "ms", 1000)
    report("(c) idle RSS, app process", memory, "MB")
    report("(d) stop signal -> process exited", stopping, "ms", 1000)
    if not args.no_window:
        ready, memory_app, memory_all = measure_windowed(command, args.runs)
        print("windowed (Qt WebEngine):")
        report("(b) process start -> app shell in the window", ready, "ms", 1000)
        report("(c) idle RSS, app process", memory_app, "MB")
        report("(c) idle RSS, app + web engine processes", memory_all, "MB")


if __name__ == "__main__":
    main()
