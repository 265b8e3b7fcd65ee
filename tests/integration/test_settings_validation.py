"""PATCH /api/settings checks providers and addresses, guards the safety stage, and PINs are ASCII digits."""

from __future__ import annotations

import pytest

from tests.support.in_process import InProcessApp

PIN = "4711"


@pytest.mark.parametrize("stage", ["safety", "interception"])
def test_an_unknown_provider_is_refused(api: InProcessApp, stage: str) -> None:
    with api.client("en") as client:
        before = client.get("/api/settings").json()["llm"][stage]
        refused = client.patch("/api/settings", json={"llm": {stage: {"provider_id": "evil", "model": "m"}}})
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "llm_provider_unknown"
        assert "ollama" in refused.json()["error"]["message"]
        assert client.get("/api/settings").json()["llm"][stage] == before


@pytest.mark.parametrize(
    "address", ["file:///etc/passwd", "ftp://127.0.0.2/v1", "javascript:alert(1)", "127.0.0.2:11434"]
)
@pytest.mark.parametrize("stage", ["safety", "translation"])
def test_an_address_that_is_not_http_is_refused(api: InProcessApp, stage: str, address: str) -> None:
    choice = {"provider_id": "ollama", "model": "llama3.2:3b", "base_url": address}
    with api.client("en") as client:
        refused = client.patch("/api/settings", json={"llm": {stage: choice}})
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "llm_address_invalid"
        accepted = {**choice, "base_url": "http://127.0.0.2:11434/v1"}
        assert client.patch("/api/settings", json={"llm": {stage: accepted}}).status_code == 200


def test_the_safety_stage_needs_the_pin_once_one_is_set(api: InProcessApp) -> None:
    choice = {"provider_id": "ollama", "model": "llama3.2:3b"}
    with api.client("en") as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
        for change in ({"llm": {"safety": choice}}, {"safety_llm_check": "always"}):
            refused = client.patch("/api/settings", json=change)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "pin_wrong"
            assert client.patch("/api/settings", json={**change, "pin": "0000"}).status_code == 403
        settings = client.get("/api/settings").json()
        assert settings["llm"]["safety"]["provider_id"] == "builtin"
        assert settings["safety_llm_check"] == "when_unsure"

        # Other stages and the language stay free; with the PIN the safety stage changes.
        assert client.patch("/api/settings", json={"llm": {"interception": choice}}).status_code == 200
        assert client.patch("/api/settings", json={"language": "en"}).status_code == 200
        changed = client.patch("/api/settings", json={"llm": {"safety": choice}, "pin": PIN})
        assert changed.status_code == 200 and changed.json()["llm"]["safety"]["provider_id"] == "ollama"


@pytest.mark.parametrize("pin", ["４７１１", "٤٧١١", "4711\n", "47 11"])
def test_only_ascii_digits_make_a_pin(api: InProcessApp, pin: str) -> None:
    with api.client("en") as client:
        refused = client.put("/api/settings/teacher-pin", json={"new_pin": pin})
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "pin_format"
        assert "0–9" in refused.json()["error"]["message"]
        assert client.get("/api/settings").json()["teacher_pin_set"] is False
