"""This machine's IPv4 addresses a class can reach it on, and which one to suggest."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import psutil
from pydantic import BaseModel, ConfigDict

from server.errors import AppError, ErrorKind


class LanAddress(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str
    interface: str


def lan_addresses() -> list[LanAddress]:
    """Every IPv4 address of an interface that is up, school-network ones first (loopback left out:
    no student's device reaches it)."""
    stats = psutil.net_if_stats()
    found = [
        LanAddress(address=entry.address, interface=name)
        for name, entries in psutil.net_if_addrs().items()
        if stats.get(name) is None or stats[name].isup
        for entry in entries
        if entry.family == socket.AF_INET and not ipaddress.IPv4Address(entry.address).is_loopback
    ]
    return sorted(found, key=lambda lan: (_rank(lan.address), lan.interface, lan.address))


def _rank(address: str) -> int:
    ip = ipaddress.IPv4Address(address)
    if ip.is_link_local:  # 169.254.x.x: no DHCP answered, nobody else is likely to be there
        return 2
    return 0 if ip.is_private else 1


def default_address(remembered: str | None, available: Sequence[LanAddress]) -> str | None:
    """The remembered address while this machine still has it, else the first school-network one."""
    addresses = [lan.address for lan in available]
    if remembered in addresses:
        return remembered
    return addresses[0] if addresses else None


def check_listen_address(address: str) -> str:
    """A single unicast IPv4 address; never the wildcard, which would open every interface."""
    try:
        ip = ipaddress.IPv4Address(address.strip())
    except ValueError as exc:
        raise AppError("classroom_address_invalid", ErrorKind.INVALID_INPUT, address=address) from exc
    if ip.is_unspecified or ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255"):
        raise AppError("classroom_address_invalid", ErrorKind.INVALID_INPUT, address=address)
    return str(ip)
