"""A settings.json written by the app of December 2026 (schema 1, PIN hash inside) keeps every value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from server.settings.migrations import CURRENT_VERSION
from tests.support.app_process import start_app
from tests.support.in_process import in_process_app

# Written by main at 5f2f332: PIN 4711, level youth, English, LLM check always, online, an external
# ComfyUI, Ollama (at another address) for interception and LM Studio for the safety check.
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "settings" / "v1-main-2026-12.json"
PIN = "4711"


def test_settings_of_the_previous_version_survive_and_the_pin_still_works(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = data / "config"
    config.mkdir(parents=True)
    shutil.copy(FIXTURE, config / "settings.json")
    old = json.loads(FIXTURE.read_text(encoding="utf-8"))

    with start_app(data) as app, app.client("en") as client:
        settings = client.get("/api/settings").json()
        for name in ("language", "safety_level", "safety_llm_check", "offline", "comfyui", "llm"):
            expected = {**old[name], "machines": []} if name == "comfyui" else old[name]
            assert settings[name] == expected, name
        assert settings["model_folders"] == old["model_folders"]
        assert settings["first_run_done"] is True
        assert settings["teacher_pin_set"] is True and settings["teacher_pin_locked"] is False
        notices = [notice["code"] for notice in client.get("/api/system/info").json()["notices"]]
        assert "settings_damaged" not in notices and "teacher_pin_locked" not in notices

        assert client.put("/api/settings/safety-level", json={"level": "kids"}).status_code == 403
        wrong = client.put("/api/settings/safety-level", json={"level": "kids", "pin": "0000"})
        assert wrong.json()["error"]["code"] == "pin_wrong"
        right = client.put("/api/settings/safety-level", json={"level": "kids", "pin": PIN})
        assert right.status_code == 200, right.text

    migrated = json.loads((config / "settings.json").read_text(encoding="utf-8"))
    assert migrated["schema_version"] == CURRENT_VERSION
    assert "teacher_pin" not in migrated and migrated["teacher_pin_set"] is True
    assert json.loads((config / "teacher-pin.json").read_text(encoding="utf-8")) == old["teacher_pin"]
    assert not list(config.glob("settings.json.damaged-*"))

    # The migrated file reads again as it is, PIN included.
    with start_app(data) as app, app.client() as client:
        assert client.get("/api/settings").json()["safety_level"] == "kids"
        assert (
            client.put("/api/settings/safety-level", json={"level": "youth", "pin": PIN}).status_code == 200
        )


# Written by main at dc86d67 (schema 2): English, LLM check always, online, an external ComfyUI,
# the wizard done.
FIXTURE_V2 = Path(__file__).resolve().parents[1] / "fixtures" / "settings" / "v2-main-2026-12.json"


@pytest.mark.in_process
def test_settings_of_schema_2_survive_and_gain_the_comfyui_sources(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = data / "config"
    config.mkdir(parents=True)
    shutil.copy(FIXTURE_V2, config / "settings.json")
    old = json.loads(FIXTURE_V2.read_text(encoding="utf-8"))

    with in_process_app(data) as app, app.client("en") as client:
        settings = client.get("/api/settings").json()
        for name in ("language", "safety_llm_check", "offline", "comfyui", "llm", "model_folders"):
            expected = {**old[name], "machines": []} if name == "comfyui" else old[name]
            assert settings[name] == expected, name
        assert settings["first_run_done"] is True
        assert settings["comfyui_sources"] == {"package_index": None, "wheel_folder": None}
        notices = [notice["code"] for notice in client.get("/api/system/info").json()["notices"]]
        assert "settings_damaged" not in notices

    migrated = json.loads((config / "settings.json").read_text(encoding="utf-8"))
    assert migrated["schema_version"] == CURRENT_VERSION
    assert migrated["comfyui_sources"] == {"package_index": None, "wheel_folder": None}
    assert not list(config.glob("settings.json.damaged-*"))
