"""The page pool lends clean pages: nothing a test left in its context reaches the next test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser

from tests.support.browser import PagePool

pytestmark = pytest.mark.browser


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>pool</title><p>pool</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def origin() -> Iterator[str]:
    with _site() as address:
        yield address


@pytest.fixture
def earlier_origin() -> Iterator[str]:
    """Another app the test visited before it ended on ``origin``."""
    with _site() as address:
        yield address


@pytest.fixture
def pool(browser: Browser) -> Iterator[PagePool]:
    pages = PagePool(browser)
    try:
        yield pages
    finally:
        pages.close()


def test_the_next_page_comes_from_the_same_context_without_what_the_last_test_left(
    pool: PagePool, origin: str, earlier_origin: str
) -> None:
    with pool.page(width=800, height=600, locale="en-GB") as page:
        used, first = page.context, page
        page.goto(earlier_origin)
        page.evaluate("() => { localStorage.setItem('left', '1') }")
        page.goto(origin)
        # The workshop keeps its state in session storage only.
        page.evaluate("() => { sessionStorage.setItem('left', '1'); document.cookie = 'left=1; path=/' }")
        with used.expect_page():
            page.evaluate("() => { window.open(location.href) }")
        # A session cookie from a server whose pages keep nothing in local storage.
        used.add_cookies([{"name": "session", "value": "1", "url": "http://127.0.0.3/"}])
        assert len(used.pages) == 2 and len(used.cookies()) == 2
        heard: list[str] = []
        page.on("console", lambda message: heard.append(message.text))

    with pool.page(width=1024, height=700, locale="en-GB") as page:
        assert page.context is used
        assert page is first, "the page was not reused"
        assert used.pages == [page], "the last test's pop-up is still open"
        assert page.url == "about:blank"
        assert page.viewport_size == {"width": 1024, "height": 700}
        assert used.cookies() == []
        page.goto(origin)
        assert page.evaluate("() => [sessionStorage.getItem('left'), document.cookie]") == [None, ""]
        page.goto(earlier_origin)
        assert page.evaluate("() => localStorage.getItem('left')") is None
        page.evaluate("() => console.log('for this page only')")
        assert heard == []

    with pool.page(width=800, height=600, locale="de-DE") as page:
        assert page.context is not used, "another language needs its own context"
        assert page.evaluate("navigator.language") == "de-DE"


def test_a_test_that_fails_gives_its_context_back_for_closing(pool: PagePool, origin: str) -> None:
    with pytest.raises(RuntimeError), pool.page(width=800, height=600, locale="en-GB") as page:
        failed = page.context
        page.goto(origin)
        raise RuntimeError("the test failed")
    with pool.page(width=800, height=600, locale="en-GB") as page:
        assert page.context is not failed
        page.goto(origin)
        assert page.evaluate("document.title") == "pool"
