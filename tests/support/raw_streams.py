"""Many event streams and idle connections at once, on plain sockets (real HTTP/1.1, one per socket).

An httpx client per stream would cost a thread or a connection pool each; a test that holds hundreds
of streams only needs to send one request and read what comes back.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time


class RawEventStream:
    """One ``GET`` of an event stream with the launch token, read as it arrives."""

    def __init__(self, port: int, token: str, path: str, headers: dict[str, str] | None = None) -> None:
        self.path = path
        self.received = b""
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            f"Authorization: Bearer {token}",
            "Accept: text/event-stream",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def wait_for(self, text: str, timeout: float = 60.0, times: int = 1) -> bool:
        """True once ``text`` has arrived (``times`` times in all); False if the server closed the
        stream or time ran out first."""
        wanted = text.encode()
        deadline = time.monotonic() + timeout
        while self.received.count(wanted) < times:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (TimeoutError, ConnectionError):
                return False
            if not chunk:
                return False
            self.received += chunk
        return True

    def count(self, text: str) -> int:
        return self.received.count(text.encode())

    def close_abruptly(self) -> None:
        """Goes away like a killed tab: a TCP reset instead of an orderly close."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        self.sock.close()


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """True once the other side closed ``sock`` (end of stream or reset), False if it stayed open."""
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True
