"""The Flask app behind waitress (a production WSGI server) in a background thread."""

from __future__ import annotations

import errno
import logging
import socket
import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from server.errors import AppError, ErrorKind

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


def bind_loopback(port: int) -> socket.socket:
    """Binds 127.0.0.1:port (0 = a free port) and keeps the socket, so no one can take the port meanwhile."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: refuse to share the port with another program
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    try:
        sock.bind((LOOPBACK, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES) or getattr(exc, "winerror", None) == 10048:
            raise AppError("port_in_use", ErrorKind.CONFLICT, port=port) from exc
        raise
    sock.listen(64)
    return sock


class EmbeddedServer:
    def __init__(self, app: Any, sock: socket.socket, threads: int = 24) -> None:
        # Server-sent event streams each hold a worker thread for as long as the page listens, so
        # there are more threads than cores. send_bytes=1 makes every event leave at once instead of
        # waiting in waitress's output buffer.
        self._socket_map: dict[int, Any] = {}
        self._server = create_server(
            app,
            map=self._socket_map,
            sockets=[sock],
            threads=threads,
            send_bytes=1,
            ident="AI4ArtsEd",
            channel_timeout=300,
        )
        self._thread = threading.Thread(target=self._run, name="wsgi-server", daemon=True)
        self.port: int = sock.getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self._server.run()
        except Exception:
            log.exception("the web server stopped unexpectedly")

    def stop(self, timeout: float = 5.0) -> None:
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=int(timeout))
        # Closing every channel empties waitress's socket map, which ends its loop.
        wasyncore.close_all(self._socket_map)
        self._thread.join(timeout)
