"""Guessing the teacher PIN is slowed down: after a few wrong PINs even the right one waits (429).

In-process: the count must outlive the services (a restart is new services reading the same data
folder), which needs no real process.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.in_process import in_process_app

PIN = "4711"
# The documented number of wrong PINs before the first wait (docs/settings.md).
FREE_TRIES = 5


def _try(client: httpx.Client, pin: str) -> httpx.Response:
    return client.put("/api/settings/safety-level", json={"level": "youth", "pin": pin})


@pytest.mark.in_process
def test_after_too_many_wrong_pins_even_the_right_one_must_wait_across_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with in_process_app(data) as app, app.client("en") as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
        for _ in range(FREE_TRIES):
            assert _try(client, "0000").status_code == 403
        refused = _try(client, PIN)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "pin_throttled"
        assert "Try again in" in refused.json()["error"]["message"]
        assert int(refused.headers["Retry-After"]) > 0
        # The other guarded calls share the count.
        assert client.put("/api/settings/offline", json={"offline": False, "pin": PIN}).status_code == 429
        assert client.get("/api/settings").json()["safety_level"] == "kids"

    with in_process_app(data) as app, app.client("de") as client:
        refused = _try(client, PIN)
        assert refused.status_code == 429
        assert "Versuche es in" in refused.json()["error"]["message"]
        assert client.get("/api/settings").json()["safety_level"] == "kids"
