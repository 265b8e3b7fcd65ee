"""The safety level is the teacher's: a PIN guards it, and research mode needs one."""

from __future__ import annotations

import json

from tests.support.in_process import InProcessApp


def test_research_mode_needs_a_pin_to_exist(api: InProcessApp) -> None:
    with api.client("en") as client:
        refused = client.put("/api/settings/safety-level", json={"level": "research"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "research_needs_pin"
        assert client.get("/api/settings").json()["safety_level"] == "kids"


def test_once_a_pin_is_set_every_level_change_needs_it(api: InProcessApp) -> None:
    with api.client("en") as client:
        set_pin = client.put("/api/settings/teacher-pin", json={"new_pin": "4711"})
        assert set_pin.status_code == 200
        assert set_pin.json()["teacher_pin_set"] is True
        assert "teacher_pin" not in set_pin.json()

        assert client.put("/api/settings/safety-level", json={"level": "youth"}).status_code == 403
        wrong = client.put("/api/settings/safety-level", json={"level": "youth", "pin": "0000"})
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "pin_wrong"
        right = client.put("/api/settings/safety-level", json={"level": "research", "pin": "4711"})
        assert right.status_code == 200 and right.json()["safety_level"] == "research"

        # Replacing the PIN needs the current one.
        assert client.put("/api/settings/teacher-pin", json={"new_pin": "1234"}).status_code == 403
        assert (
            client.put(
                "/api/settings/teacher-pin", json={"current_pin": "4711", "new_pin": "1234"}
            ).status_code
            == 200
        )
        assert (
            client.put("/api/settings/safety-level", json={"level": "kids", "pin": "1234"}).status_code == 200
        )


def test_the_pin_is_stored_only_as_a_hash(api: InProcessApp) -> None:
    with api.client() as client:
        client.put("/api/settings/teacher-pin", json={"new_pin": "987654"})
    stored = (api.data_dir / "config" / "teacher-pin.json").read_text(encoding="utf-8")
    assert "987654" not in stored
    assert set(json.loads(stored)) == {"salt", "hash"}


def test_a_pin_must_be_4_to_12_digits(api: InProcessApp) -> None:
    with api.client("en") as client:
        for bad in ("12", "abcd", "1234567890123"):
            assert client.put("/api/settings/teacher-pin", json={"new_pin": bad}).status_code == 400


def test_a_student_cannot_change_the_level_through_the_general_settings_call(api: InProcessApp) -> None:
    with api.client() as client:
        response = client.patch("/api/settings", json={"safety_level": "adult"})
        assert response.status_code == 400
        assert client.get("/api/settings").json()["safety_level"] == "kids"
