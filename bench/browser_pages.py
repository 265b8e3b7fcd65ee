"""What a browser test's page costs Chromium: a page in a fresh context versus one lent by the test
suite's PagePool (tests/support/browser.py), each opening the app of a newly started instance (a new
port, as every test has) and staying on it for a moment, as a test does.

Prints Chromium's CPU seconds and the wall time per page, medians over several apps. Chromium's
processes that end during a round (a closed context's renderer) are counted through the process
that reaps them.

Run: .venv/bin/python bench/browser_pages.py [--pages N] [--dwell SECONDS]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
from playwright.sync_api import Browser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.app_process import AppProcess, start_app
from tests.support.browser import PagePool, chromium, new_context

VIEWPORT = {"width": 1280, "height": 900}


def chromium_cpu() -> float:
    total = 0.0
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "chrom" in process.name():
                times = process.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
    return total


def fresh_context(browser: Browser, app: AppProcess, dwell: float) -> None:
    context = new_context(browser, viewport=VIEWPORT, locale="de-DE")
    try:
        page = context.new_page()
        page.goto(app.launch_url)
        page.wait_for_selector("[data-testid]")
        time.sleep(dwell)
    finally:
        context.close()


def pooled(pool: PagePool) -> Callable[[Browser, AppProcess, float], None]:
    def show(_browser: Browser, app: AppProcess, dwell: float) -> None:
        with pool.page(width=VIEWPORT["width"], height=VIEWPORT["height"], locale="de-DE") as page:
            page.goto(app.launch_url)
            page.wait_for_selector("[data-testid]")
            time.sleep(dwell)

    return show


def measure(
    name: str,
    show: Callable[[Browser, AppProcess, float], None],
    browser: Browser,
    apps: list[AppProcess],
    dwell: float,
) -> None:
    cpu: list[float] = []
    wall: list[float] = []
    for app in apps:
        time.sleep(0.5)  # the last round's closing work is the last round's
        before, started = chromium_cpu(), time.monotonic()
        show(browser, app, dwell)
        wall.append(time.monotonic() - started - dwell)
        time.sleep(0.5)
        cpu.append(chromium_cpu() - before)
    print(
        f"{name:28s} Chromium CPU per page: median {statistics.median(cpu):.2f} s "
        f"(min {min(cpu):.2f}, max {max(cpu):.2f}); to the app on screen: {statistics.median(wall):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=6, help="pages (and app instances) per variant")
    parser.add_argument("--dwell", type=float, default=1.0, help="seconds each page stays on the app")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        count = 2 * options.pages + 1
        print(f"starting {count} app instances ...", flush=True)
        apps = [stack.enter_context(start_app(Path(folder) / f"app{i}")) for i in range(count)]
        browser = stack.enter_context(chromium())
        pool = PagePool(browser)
        stack.callback(pool.close)
        pooled(pool)(browser, apps[-1], 0.0)  # the pool's page has shown the app once, as after a test
        measure("fresh context", fresh_context, browser, apps[: options.pages], options.dwell)
        measure("page from the PagePool", pooled(pool), browser, apps[options.pages : -1], options.dwell)


if __name__ == "__main__":
    main()
