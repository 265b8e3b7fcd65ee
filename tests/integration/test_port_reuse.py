"""A fixed --port can be used again right after the app quit (no minute of "port in use")."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from server.errors import AppError
from server.wsgi_server import bind_loopback
from tests.support import loopback_http
from tests.support.app_process import free_port, start_app


def test_a_fixed_port_is_free_again_right_after_the_app_quit(tmp_path: Path) -> None:
    port = free_port()
    first = start_app(tmp_path / "data", port=port)
    # A kept-alive connection the server closes at quit leaves its side of it in TIME_WAIT, which
    # blocks a new bind of the port for a minute unless the socket allows reusing the address.
    client = loopback_http.client(base_url=first.base_url, headers={"Authorization": f"Bearer {first.token}"})
    try:
        assert client.get("/api/settings").status_code == 200
        assert first.stop() == 0
    finally:
        client.close()
    with start_app(tmp_path / "data", port=port) as again, again.client() as client_again:
        assert client_again.get("/api/settings").status_code == 200


@pytest.mark.skipif(sys.platform == "win32", reason="Windows refuses any sharing (SO_EXCLUSIVEADDRUSE)")
def test_a_port_another_program_listens_on_is_still_refused() -> None:
    other = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    other.bind(("127.0.0.1", 0))
    other.listen(1)
    try:
        with pytest.raises(AppError) as refused:
            bind_loopback(other.getsockname()[1])
        assert refused.value.code == "port_in_use"
    finally:
        other.close()
