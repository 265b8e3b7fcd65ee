"""A damaged settings.json never resets the teacher PIN and never unlocks the safety level.

In-process: what is tested is what the services make of the files in the data folder when they start
(a restart is new services on the same folder), not the app's process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.in_process import in_process_app

pytestmark = pytest.mark.in_process

PIN = "4711"


@pytest.mark.parametrize(
    "damage",
    ['{"language": "en", "safety_level": "research"', '{"language": "en", "safety_levle": "research"}'],
    ids=["not-json", "unknown-field"],
)
def test_a_damaged_settings_file_keeps_the_pin_and_the_strictest_level(tmp_path: Path, damage: str) -> None:
    data = tmp_path / "data"
    settings_file = data / "config" / "settings.json"
    with in_process_app(data) as app, app.client() as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
        assert (
            client.put("/api/settings/safety-level", json={"level": "adult", "pin": PIN}).status_code == 200
        )

    settings_file.write_text(damage, encoding="utf-8")
    with in_process_app(data) as app, app.client("en") as client:
        settings = client.get("/api/settings").json()
        assert settings["teacher_pin_set"] is True
        assert settings["safety_level"] == "kids"
        assert settings["offline"] is True
        # Still guarded: no level without the PIN, and research only with it.
        assert client.put("/api/settings/safety-level", json={"level": "research"}).status_code == 403
        assert client.put("/api/settings/teacher-pin", json={"new_pin": "1234"}).status_code == 403
        assert (
            client.put("/api/settings/safety-level", json={"level": "youth", "pin": PIN}).status_code == 200
        )
        notices = client.get("/api/system/info").json()["notices"]

    damaged = [notice for notice in notices if notice["code"] == "settings_damaged"]
    assert len(damaged) == 1
    backups = list(settings_file.parent.glob("settings.json.damaged-*"))
    assert len(backups) == 1
    assert backups[0].read_text(encoding="utf-8") == damage
    assert str(backups[0]) in damaged[0]["message"]
    assert "teacher PIN stays in force" in damaged[0]["message"]


def test_a_missing_pin_file_after_a_pin_was_set_means_locked_not_open(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = data / "config"
    with in_process_app(data) as app, app.client() as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
    (config / "teacher-pin.json").unlink()

    with in_process_app(data) as app, app.client("en") as client:
        settings = client.get("/api/settings").json()
        assert settings["teacher_pin_set"] is True and settings["teacher_pin_locked"] is True
        for attempt in (
            {"level": "youth"},
            {"level": "youth", "pin": PIN},
            {"level": "research", "pin": PIN},
        ):
            refused = client.put("/api/settings/safety-level", json=attempt)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "pin_locked"
        assert client.put("/api/settings/teacher-pin", json={"new_pin": "1234"}).status_code == 403
        codes = [notice["code"] for notice in client.get("/api/system/info").json()["notices"]]
        assert "teacher_pin_locked" in codes

    # School IT's documented reset: an empty file "reset-teacher-pin" in the settings folder.
    (config / "reset-teacher-pin").write_text("", encoding="utf-8")
    with in_process_app(data) as app, app.client() as client:
        settings = client.get("/api/settings").json()
        assert settings["teacher_pin_set"] is False and settings["teacher_pin_locked"] is False
        assert client.put("/api/settings/teacher-pin", json={"new_pin": "1234"}).status_code == 200
    assert not (config / "reset-teacher-pin").exists()


def test_the_pin_file_is_owner_only_and_holds_only_the_hash(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with in_process_app(data) as app, app.client() as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": "987654"}).status_code == 200
    pin_file = data / "config" / "teacher-pin.json"
    assert set(json.loads(pin_file.read_text(encoding="utf-8"))) == {"salt", "hash"}
    assert "987654" not in pin_file.read_text(encoding="utf-8")
    assert pin_file.stat().st_mode & 0o077 == 0
    settings = json.loads((data / "config" / "settings.json").read_text(encoding="utf-8"))
    assert "teacher_pin" not in settings and settings["teacher_pin_set"] is True
