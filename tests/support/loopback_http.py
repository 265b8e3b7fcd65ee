"""HTTP from the tests to their own servers on 127.0.0.1, with the app's one shared TLS context.

httpx builds a TLS context for every client it makes (every ``httpx.get`` makes one), reading the
whole certificate store: about 50 ms of CPU each. The tests made thousands (a start of the app alone
polled its health about ten times), which took a noticeable share of the two cores the suite runs on.
"""

from __future__ import annotations

from typing import Any

import httpx

from server.network.http_clients import tls_context


def client(**options: Any) -> httpx.Client:
    options.setdefault("verify", tls_context())
    return httpx.Client(**options)


def get(url: str, **options: Any) -> httpx.Response:
    options.setdefault("verify", tls_context())
    return httpx.get(url, **options)


def post(url: str, **options: Any) -> httpx.Response:
    options.setdefault("verify", tls_context())
    return httpx.post(url, **options)
