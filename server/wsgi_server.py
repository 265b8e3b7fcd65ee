"""The Flask app behind waitress (a production WSGI server) in a background thread."""

from __future__ import annotations

import errno
import logging
import select
import socket
import sys
import threading
from typing import Any

from waitress import wasyncore
from waitress.server import BaseWSGIServer, create_server

from server.errors import AppError, ErrorKind
from server.stream_budget import WORKER_THREADS, StreamBudget

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
# Connections waiting to be accepted; waitress listens with this backlog on our socket.
BACKLOG = 1024
# A keep-alive connection without a request is closed after this long. Waitress never closes a
# connection with a request in progress (an open event stream is one), so this only frees idle ones.
IDLE_TIMEOUT_S = 15
IDLE_CHECK_INTERVAL_S = 5
# Open connections (streams, keep-alive, idle). select() on Windows watches at most 512 sockets;
# elsewhere poll() has no such limit, only the process's open-file limit (raised at start).
MAX_CONNECTIONS = 1000 if hasattr(select, "poll") else 500
# Files and sockets the process needs besides the connections: logs, the run index, children's pipes.
OTHER_FILES = 256
WANTED_OPEN_FILES = MAX_CONNECTIONS + OTHER_FILES


def bind_loopback(port: int) -> socket.socket:
    """Binds 127.0.0.1:port (0 = a free port) and keeps the socket, so no one can take the port meanwhile."""
    try:
        return _bind(LOOPBACK, port)
    except _PortTakenError as exc:
        raise AppError("port_in_use", ErrorKind.CONFLICT, port=port) from exc.__cause__


def bind_address(host: str, port: int) -> socket.socket:
    """Binds one given IPv4 address (classroom mode's LAN listener), never every interface at once."""
    try:
        return _bind(host, port)
    except _PortTakenError as exc:
        raise AppError(
            "classroom_port_in_use", ErrorKind.CONFLICT, address=host, port=port
        ) from exc.__cause__
    except OSError as exc:
        if exc.errno == errno.EADDRNOTAVAIL or getattr(exc, "winerror", None) == 10049:
            raise AppError("classroom_address_unavailable", ErrorKind.CONFLICT, address=host) from exc
        raise


class _PortTakenError(Exception):
    pass


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: refuse to share the port with another program
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:
        # Linux and macOS: connections of the previous run left in TIME_WAIT would block a fixed
        # --port for a minute after quitting. SO_REUSEADDR lifts only that; a port another socket
        # listens on is still refused (sharing a listening port would need SO_REUSEPORT).
        # On Windows SO_REUSEADDR would let another program take over the port, hence not there.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES) or getattr(exc, "winerror", None) == 10048:
            raise _PortTakenError() from exc
        raise
    sock.listen(BACKLOG)
    return sock


def raise_open_file_limit(wanted: int = WANTED_OPEN_FILES) -> int:
    """Raises the soft limit of open files towards ``wanted`` (never above the hard limit); returns it.

    Linux often starts programs with 1024 and macOS with 256, fewer than the connections the server
    is meant to hold. Windows has no such per-process limit for sockets.
    """
    if sys.platform == "win32":
        return wanted
    import resource  # only on Linux and macOS

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open file limit from %s to %s: %s", soft, target, exc)
    return wanted if soft == resource.RLIM_INFINITY else soft


def connection_limit(open_files: int) -> int:
    """As many connections as the open-file limit leaves room for, at most MAX_CONNECTIONS."""
    return max(64, min(MAX_CONNECTIONS, open_files - OTHER_FILES))


class EmbeddedServer:
    def __init__(
        self,
        app: Any,
        sock: socket.socket,
        streams: StreamBudget,
        threads: int = WORKER_THREADS,
        *,
        owns_streams: bool = True,
        name: str = "wsgi-server",
    ) -> None:
        """``owns_streams`` False: the budget is shared with another server (classroom mode's LAN
        listener shares the app's), so stopping this one ends only its own connections' streams."""
        # Server-sent event streams each hold a worker thread for as long as the page listens; the
        # stream budget (server/stream_budget.py) leaves threads that only normal requests get.
        # send_bytes=1 makes every event leave at once instead of waiting in waitress's output buffer.
        # channel_request_lookahead=1 keeps reading a connection while its request runs, so waitress
        # sees at once when a reader goes away (waitress.client_disconnected, used by the streams).
        self._streams = streams
        self._owns_streams = owns_streams
        self._socket_map: dict[int, Any] = {}
        server = create_server(
            app,
            map=self._socket_map,
            sockets=[sock],
            threads=threads,
            send_bytes=1,
            ident="AI4ArtsEd",
            channel_timeout=IDLE_TIMEOUT_S,
            cleanup_interval=IDLE_CHECK_INTERVAL_S,
            connection_limit=connection_limit(raise_open_file_limit()),
            backlog=BACKLOG,
            asyncore_use_poll=True,
            channel_request_lookahead=1,
        )
        # One socket gives one server (not waitress's MultiSocketServer): the one with the trigger
        # that wakes its loop (stop() uses it).
        if not isinstance(server, BaseWSGIServer):
            raise TypeError(f"expected one waitress server for one socket, got {type(server).__name__}")
        self._server = server
        self._trigger: Any = server.trigger
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.host: str = sock.getsockname()[0]
        self.port: int = sock.getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self._server.run()
        except Exception:
            log.exception("the web server stopped unexpectedly")

    def stop(self, timeout: float = 5.0) -> None:
        if self._owns_streams:
            # Open streams would keep their threads busy past the dispatcher's timeout.
            self._streams.end_all()
            self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=int(timeout))
            self._close_channels(timeout)
        else:
            # Closed channels first: each of this server's streams sees its reader gone within a
            # wait slice and leaves, while the other server's streams in the shared budget go on.
            self._close_channels(timeout)
            self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=int(timeout))

    def _close_channels(self, timeout: float) -> None:
        # Closing every channel empties waitress's socket map, which ends its loop. Closed from the
        # loop's own thread, woken by waitress's trigger: closed from here, the loop would notice
        # only when its poll() times out, up to a second later (every quit and restart waited it).
        if self._thread.is_alive():
            try:
                self._trigger.pull_trigger(lambda: wasyncore.close_all(self._socket_map))
            except OSError:
                # The trigger's pipe is already closed (the loop is ending on its own): closing from
                # here below still ends it, at the latest when its poll times out.
                log.warning("the web server's wake-up pipe was closed before stop", exc_info=True)
            else:
                self._thread.join(timeout)
        # The loop was not running (or did not get to it): close from here.
        wasyncore.close_all(self._socket_map)
