"""A local HTTPS file server for download tests: Range requests, and connections it drops on purpose.

It serves the files of one folder under ``/files/<name>`` like a CDN does: ``Accept-Ranges: bytes``,
``206 Partial Content`` with ``Content-Range`` for ``Range: bytes=N-`` (or ``N-M``), ``416`` past the
end. Knobs per file name: drop the connection after some bytes (for the first few requests), answer
503 a number of times, send slowly. Every request is recorded (path and Range header). TLS uses a
self-signed certificate for 127.0.0.1, made with the ``openssl`` command; the app trusts it through
``SSL_CERT_FILE`` (httpx reads it), so the manifest keeps its https-only URLs.
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Knobs:
    drop_after_bytes: int | None = None
    drop_times: int = 0  # how many requests get dropped
    fail_times: int = 0  # how many requests get a 503 first
    chunk_delay_s: float = 0.0


@dataclass
class RangeServer:
    folder: Path
    certificate: Path
    key: Path
    knobs: dict[str, Knobs] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}/files"

    def start(self) -> RangeServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                owner._serve(self)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, name="range-server", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def ranges(self, name: str) -> list[str | None]:
        with self._lock:
            return [header for path, header in self.requests if path.endswith("/" + name)]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        range_header = handler.headers.get("Range")
        with self._lock:
            self.requests.append((handler.path, range_header))
        name = handler.path.removeprefix("/files/")
        path = self.folder / name
        if "/" in name or not path.is_file():
            handler.send_error(404)
            return
        knobs = self.knobs.get(name, Knobs())
        with self._lock:
            if knobs.fail_times > 0:
                knobs.fail_times -= 1
                fail = True
            else:
                fail = False
            drop = knobs.drop_after_bytes is not None and knobs.drop_times > 0
            if drop:
                knobs.drop_times -= 1
        if fail:
            handler.send_error(503)
            return
        data = path.read_bytes()
        start, end = 0, len(data) - 1
        status = 200
        if range_header:
            match = _RANGE.match(range_header)
            if match is None:
                handler.send_error(400)
                return
            start = int(match.group(1))
            if match.group(2):
                end = min(end, int(match.group(2)))
            if start >= len(data):
                handler.send_response(416)
                handler.send_header("Content-Range", f"bytes */{len(data)}")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            status = 206
        body = data[start : end + 1]
        handler.send_response(status)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(len(body)))
        if status == 206:
            handler.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        handler.end_headers()
        limit = knobs.drop_after_bytes if drop and knobs.drop_after_bytes is not None else len(body)
        sent = 0
        try:
            while sent < min(limit, len(body)):
                piece = body[sent : min(sent + 1024, limit)]
                handler.wfile.write(piece)
                handler.wfile.flush()
                sent += len(piece)
                if knobs.chunk_delay_s:
                    time.sleep(knobs.chunk_delay_s)
            if drop:
                # The connection breaks mid-file, as on a flaky school network.
                handler.connection.shutdown(socket.SHUT_RDWR)
                handler.close_connection = True
        except OSError:
            handler.close_connection = True
