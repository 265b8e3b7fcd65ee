"""Debian's Chromium driven by Playwright (never ``playwright install``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    configured = os.environ.get("AI4ARTSED_CHROMIUM")
    if configured:
        return configured
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@contextmanager
def chromium() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        raise RuntimeError(
            "Chromium is missing: install the Debian package 'chromium' (make test does this as root)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context as every test opens one: with reduced motion unless the test says otherwise.

    The app honours reduced motion by holding its spinners still (web/src/styles/base.css). A page
    that spins while a test waits is repainted without end, and four such pages took a noticeable
    share of the two cores the whole suite runs on; nothing a test checks depends on the motion."""
    options.setdefault("reduced_motion", "reduce")
    return browser.new_context(**options)


class PagePool:
    """Lends pages that earlier tests used, cleaned; one set per language and init script.

    Chromium spends about 1.6 s of CPU on a page in a fresh context until the app is on screen and
    settled, and about 0.9 s on the same in a page that has shown the app before: its renderer
    process and script engine are warm (bench/browser_pages.py). The suite shows about 80 such pages
    on two cores, so pages are kept. (A new page in a kept context saves nothing: it gets a new
    renderer.)

    A page comes back clean: its local and session storage, the context's cookies and permissions
    are emptied, pop-ups and other tabs closed, routes and every listener a test added removed, and
    the page is on about:blank (so the last app's scripts, streams and timers have ended). A lease
    that ends in an exception closes its context instead. What the pool cannot undo stays out of it:
    an init script comes with the lease (``init_script``), so only leases with the same script get
    that page; anything set on the context (a clock, device emulation) needs a context of its own
    from ``new_context(browser, ...)``.
    """

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self._idle: dict[tuple[str, str], list[Page]] = {}

    @contextmanager
    def page(self, *, width: int, height: int, locale: str, init_script: str = "") -> Iterator[Page]:
        idle = self._idle.setdefault((locale, init_script), [])
        page = idle.pop() if idle else self._new_page(locale, init_script)
        page.set_viewport_size({"width": width, "height": height})
        try:
            yield page
        except BaseException:
            page.context.close()
            raise
        if self._clean(page):
            idle.append(page)
        else:
            page.context.close()

    def close(self) -> None:
        for pages in self._idle.values():
            for page in pages:
                page.context.close()
        self._idle.clear()

    def _new_page(self, locale: str, init_script: str) -> Page:
        context = new_context(self._browser, locale=locale)
        if init_script:
            context.add_init_script(init_script)
        return context.new_page()

    @staticmethod
    def _clean(page: Page) -> bool:
        """Empties the page and its context for the next test; False when that failed."""
        context = page.context
        try:
            if page.is_closed():
                return False
            if page.url.startswith("http"):
                page.evaluate("() => { sessionStorage.clear(); localStorage.clear() }")
            # Local storage of the origins the test left earlier (another app, the LAN address).
            origins = [entry["origin"] for entry in context.storage_state()["origins"]]
            if origins:
                session = context.new_cdp_session(page)
                for origin in origins:
                    session.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
                session.detach()
            context.clear_cookies()
            context.clear_permissions()
            for other in context.pages:
                if other != page:
                    other.close()
            page.unroute_all(behavior="ignoreErrors")
            _drop_listeners(page)
            page.goto("about:blank")
            return not context.cookies()
        except PlaywrightError:
            return False


def _drop_listeners(page: Page) -> None:
    """Removes every listener tests added to the page (a dialog handler of one test must not answer
    the next test's dialog). Playwright's public API removes only a listener it is handed, so this
    goes to the page's event emitter; Playwright's own listeners wait for "close" and "crash"."""
    emitter = page._impl_obj
    for event in emitter.event_names():
        if event in ("close", "crash"):
            continue
        for listener in emitter.listeners(event):
            emitter.remove_listener(event, listener)
