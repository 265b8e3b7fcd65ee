"""Switching the UI language in a test, and waiting until the switch is complete."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.app_process import AppProcess


def switch_to_english(page: Page, app: AppProcess, panel: str = "language-panel") -> None:
    """Presses EN in the language switch of ``panel`` and waits until the switch is complete.

    The page changes its own texts at once, then saves the choice and fetches the texts the server
    writes (the notices above the page) in the new language. Their new length moves everything below
    them; a click sent while they change can land beside its button (a wizard step that did not go
    on, in a loaded run). So this waits until every notice reads as the server words it in English.
    """
    with app.client("en") as client:
        messages = [str(notice["message"]) for notice in client.get("/api/system/info").json()["notices"]]
    page.get_by_test_id(panel).get_by_test_id("lang-en").click()
    notices = page.get_by_test_id("notices")
    for message in messages:
        expect(notices).to_contain_text(message)
