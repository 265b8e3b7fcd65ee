"""Stopping the embedded web server ends its loop at once, not when the loop's poll() next times out.

Every quit of the app (and every restart, and every test that stops an app) often waited a second
(waitress's ``asyncore_loop_timeout``) for a loop that had nothing left to do: the sockets were
closed from another thread, and a loop that had gone back into poll() on the listening socket in
between noticed only at the poll's timeout. Here that timeout is far longer than ``stop`` may wait,
so a loop left waiting for it is still running when ``stop`` returns. The race is won or lost per
stop, hence several servers.
"""

from __future__ import annotations

import pytest

from server.stream_budget import StreamBudget
from server.wsgi_server import EmbeddedServer, bind_loopback
from tests.support import loopback_http


def hello(_environ: object, start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
    return [b"hello"]


# The app's own server settings (send_bytes=1, see server/wsgi_server.py); not what is tested here.
@pytest.mark.filterwarnings("ignore:send_bytes will be removed:DeprecationWarning")
def test_stop_ends_the_servers_loop_without_waiting_for_its_poll_timeout() -> None:
    for _ in range(20):
        server = EmbeddedServer(hello, bind_loopback(0), StreamBudget(), threads=2)
        # Waitress reads this when its loop starts (private, but it is the one knob that makes the
        # old wait, "until the poll times out", longer than the stop below may take).
        server._server.adj.asyncore_loop_timeout = 600
        server.start()
        assert loopback_http.get(f"{server.base_url}/", timeout=10).text == "hello"

        server.stop(timeout=3)

        assert not server._thread.is_alive(), "the server loop still runs after stop()"
        assert server._socket_map == {}
