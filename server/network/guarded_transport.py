"""An httpx transport that asks the network policy before every request it sends."""

from __future__ import annotations

import httpx

from server.network.policy import NetworkPolicy


class GuardedTransport(httpx.BaseTransport):
    """Wraps the transport that really connects; a refused request never reaches it.

    ``proxy`` is the proxy the inner transport connects to instead of the destination: it is checked
    as well, because that is where the connection really goes.
    """

    def __init__(self, policy: NetworkPolicy, inner: httpx.BaseTransport, proxy: str | None = None) -> None:
        self._policy = policy
        self._inner = inner
        self._proxy = proxy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._policy.check(request.url)
        if self._proxy is not None:
            self._policy.check(self._proxy)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()
