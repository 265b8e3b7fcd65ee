"""What an LLM server's address tells us: how to name it in a message, and whether it is local."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def display_host(base_url: str) -> str:
    """host[:port] of a URL, without user info or path, for messages."""
    parts = urlsplit(base_url)
    host = parts.hostname or base_url
    return f"{host}:{parts.port}" if parts.port else host


def is_local_address(base_url: str) -> bool:
    """True for loopback and private-network addresses (a school server on the LAN is not the cloud)."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost" or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def is_loopback_address(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
