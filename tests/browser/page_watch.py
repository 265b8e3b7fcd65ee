"""Console errors, uncaught exceptions and Content-Security-Policy violations of one browser page."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from playwright.sync_api import ConsoleMessage, Page

from tests.support.browser import PagePool

# Reports every Content-Security-Policy violation of the page into window.__cspViolations.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class PageWatch:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def csp_violations(self) -> list[str]:
        violations: list[str] = self.page.evaluate("window.__cspViolations ?? []")
        return violations

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.csp_violations() == []


@contextlib.contextmanager
def watched_page(
    pages: PagePool, width: int, height: int, locale: str, init_script: str = ""
) -> Iterator[PageWatch]:
    """A page of the given size and language, watched from its first script; ``init_script`` runs
    in every document before the app's scripts (pages that ran one are lent only for the same one)."""
    scripts = CSP_LISTENER + init_script
    with pages.page(width=width, height=height, locale=locale, init_script=scripts) as page:
        yield PageWatch(page)
