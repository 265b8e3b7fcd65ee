"""Which destinations count as "this computer": loopback addresses and the name ``localhost``.

Only the literal forms are recognised. Any other host name would have to be looked up first, and in
offline mode even that look-up (a DNS query) must not happen.
"""

from __future__ import annotations

import ipaddress

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and ``localhost``."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if not name:
        return False
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
