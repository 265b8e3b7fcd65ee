"""Test-only: records and blocks every attempt of this Python process to reach another computer.

Put this folder on PYTHONPATH and set AI4ARTSED_SOCKET_AUDIT_LOG to a file. An audit hook then sees
every ``socket.connect`` (TCP, UDP) and every ``socket.getaddrinfo`` (a name look-up, which may ask a
DNS server) the process makes, in any library. A destination that is not this computer is written to
the file as a JSON line and refused with ConnectionRefusedError, so a test neither leaves the machine
nor waits for a network; "this computer" is 127.0.0.0/8, ::1, ``localhost`` and Unix sockets.
The first line of the file says the hook is active.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import threading
from pathlib import Path

_LOG = os.environ.get("AI4ARTSED_SOCKET_AUDIT_LOG")


def _is_local(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): an address to bind to, no look-up
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in ("", "localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback or address.is_unspecified


if _LOG:
    _lock = threading.Lock()
    _path = Path(_LOG)

    def _write(entry: dict[str, object]) -> None:
        with _lock, _path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def _hook(event: str, args: tuple[object, ...]) -> None:
        if event == "socket.connect":
            sock, address = args[0], args[1]
            if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None):
                return
            host = address[0] if isinstance(address, tuple) else address
            port = address[1] if isinstance(address, tuple) and len(address) > 1 else None
        elif event == "socket.getaddrinfo":
            host, port = args[0], args[1]
        else:
            return
        if _is_local(host):
            return
        shown = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
        _write({"event": event, "host": shown, "port": str(port), "pid": os.getpid()})
        raise ConnectionRefusedError(f"test socket guard: no connection to {shown}")

    _write({"event": "active", "pid": os.getpid(), "argv": sys.argv[:3]})
    sys.addaudithook(_hook)
