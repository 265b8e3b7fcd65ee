"""The factory of every outgoing HTTP client of the app (LLM providers, cloud media, ComfyUI).

Each client sends through ``GuardedTransport``, so offline mode is enforced for all of them in one
place. Proxies: a destination on this computer never goes through one; any other destination uses
the system's proxy settings (environment variables, or the Windows/macOS settings), as a browser would.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
import urllib.request
from collections.abc import Mapping

import httpx

from server.network.destinations import is_loopback_host
from server.network.guarded_transport import GuardedTransport
from server.network.policy import NetworkPolicy

log = logging.getLogger(__name__)


class HttpClients:
    def __init__(self, policy: NetworkPolicy, transport: httpx.BaseTransport | None = None) -> None:
        """``transport`` replaces the real network (tests of a single client); it is guarded all the same."""
        self._policy = policy
        self._transport = transport

    @property
    def policy(self) -> NetworkPolicy:
        return self._policy

    def client(
        self,
        destination: str,
        *,
        timeout: httpx.Timeout | float,
        headers: Mapping[str, str] | None = None,
        base_url: str = "",
        follow_redirects: bool = False,
    ) -> httpx.Client:
        """A client for requests to ``destination`` (a URL: it decides the proxy). Close it when done."""
        if self._transport is not None:
            inner, proxy = self._transport, None
        else:
            inner, proxy = _real_transport(system_proxy_for(destination))
        return httpx.Client(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=timeout,
            transport=GuardedTransport(self._policy, inner, proxy),
            # The proxy is chosen above; httpx must not add unguarded proxy transports of its own.
            trust_env=False,
            follow_redirects=follow_redirects,
        )


def system_proxy_for(url: str) -> str | None:
    """The proxy the system names for ``url``, or None (always None for this computer)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if not parsed.host or is_loopback_host(parsed.host):
        return None
    proxies = urllib.request.getproxies()
    if not proxies or urllib.request.proxy_bypass(parsed.host):
        return None
    return proxies.get(parsed.scheme) or proxies.get("all")


def tls_context() -> ssl.SSLContext:
    """The TLS context every client shares: building one reads the whole certificate store (about
    50 ms of CPU), and the app makes a client for every ComfyUI probe, listing and text step.

    SSL_CERT_FILE/SSL_CERT_DIR are honoured (school proxies that inspect TLS bring their own
    certificate authority): a change of either gets a context of its own."""
    return _tls_context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # The order httpx itself follows with trust_env: the file, else the folder, else certifi's store.
    if cert_file:
        return ssl.create_default_context(cafile=cert_file)
    if cert_dir:
        return ssl.create_default_context(capath=cert_dir)
    return httpx.create_ssl_context(trust_env=False)


def _real_transport(proxy: str | None) -> tuple[httpx.BaseTransport, str | None]:
    """The transport and the proxy it really uses."""
    try:
        return httpx.HTTPTransport(proxy=proxy, verify=tls_context()), proxy
    except (ValueError, ImportError) as exc:
        log.warning("the system proxy %s cannot be used (%s); connecting directly", proxy, exc)
        return httpx.HTTPTransport(verify=tls_context()), None
