"""Without an app window (headless, or the UI in a browser) the projector opens as a browser tab."""

from __future__ import annotations

from tests.support.in_process import InProcessApp


def test_without_an_app_window_the_page_is_told_to_open_a_tab(api: InProcessApp) -> None:
    with api.client() as client:
        answer = client.post("/api/classroom/projector-window")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"opened": False}
