"""The one rule for every outgoing connection: in offline mode, nothing but this computer.

``NetworkPolicy.check`` is called by the transport every HTTP client of the app is built on
(``server/network/http_clients.py``) and by the ComfyUI websocket before it connects, so the rule is
decided in one place. It refuses before any connection or name look-up is attempted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import httpx

from server.network.destinations import is_loopback_host

log = logging.getLogger(__name__)


class OfflineBlockedError(httpx.TransportError):
    """A connection to another computer was refused because the app is in offline mode.

    A transport error, so code that handles "could not connect" also handles this; code that knows it
    says so in plain words (message code ``network_offline_blocked``).
    """

    def __init__(self, host: str) -> None:
        super().__init__(f"offline mode: no connection to {host or 'an unknown address'}")
        self.host = host


class NetworkPolicy:
    """Reads the offline setting on every check, so a change applies to the next request at once."""

    def __init__(
        self, offline: Callable[[], bool], school_hosts: Callable[[], Iterable[str]] = tuple
    ) -> None:
        """``school_hosts``: hosts a teacher (PIN) or the lab policy put in the app's settings (the
        ComfyUI pool's machines): offline means "nothing outside the school", so they stay allowed."""
        self._offline = offline
        self._school_hosts = school_hosts

    @classmethod
    def unrestricted(cls) -> NetworkPolicy:
        """For parts used outside the app (tools, unit tests of a single client)."""
        return cls(lambda: False)

    @property
    def offline(self) -> bool:
        return self._offline()

    def allows(self, url: str | httpx.URL) -> bool:
        if not self._offline():
            return True
        host = _host(url)
        return is_loopback_host(host) or (bool(host) and host in set(self._school_hosts()))

    def check(self, url: str | httpx.URL) -> None:
        """Raises ``OfflineBlockedError`` for a destination offline mode forbids."""
        if self.allows(url):
            return
        host = _host(url)
        log.warning("offline mode: refused a connection to %s", host or "an unparsable address")
        raise OfflineBlockedError(host)


def _host(url: str | httpx.URL) -> str:
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return ""
    return parsed.host
