"""Runs a coroutine to completion from synchronous test code, on a thread of its own.

Playwright's synchronous API keeps an event loop running on the main thread for the whole session
(the browser fixture is session-scoped), and ``asyncio.run`` refuses to start inside a running
loop. A fresh thread has no loop, whatever ran before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-asyncio") as pool:
        return pool.submit(asyncio.run, coroutine).result()
