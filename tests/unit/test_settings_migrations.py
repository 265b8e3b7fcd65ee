"""The settings migrations: ordered, pure, and from the real file of the previous version."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from server.settings.migrations import CURRENT_VERSION, MIGRATIONS, NewerSchemaError, migrate
from server.settings.models import Settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "settings" / "v1-main-2026-12.json"
FIXTURE_V2 = Path(__file__).resolve().parents[1] / "fixtures" / "settings" / "v2-main-2026-12.json"


def test_the_model_is_at_the_version_the_migrations_lead_to() -> None:
    assert Settings().schema_version == CURRENT_VERSION == 1 + len(MIGRATIONS)


def test_a_version_1_file_becomes_valid_settings_with_the_pin_moved_out() -> None:
    raw = json.loads(FIXTURE.read_text(encoding="utf-8"))
    untouched = copy.deepcopy(raw)
    migrated = migrate(raw)
    assert raw == untouched  # pure: the input stays as it was
    settings = Settings.model_validate(migrated.settings)
    assert settings.teacher_pin_set is True
    assert migrated.moved_out == {"teacher_pin": raw["teacher_pin"]}
    dumped = settings.model_dump(
        mode="json",
        exclude={
            "schema_version": True,
            "teacher_pin_set": True,
            "comfyui_sources": True,
            "comfyui": {"machines"},
            "classroom": True,
        },
    )
    assert dumped == {
        key: value for key, value in raw.items() if key not in ("schema_version", "teacher_pin")
    }


def test_a_file_without_version_or_wizard_field_is_version_1_of_a_set_up_install() -> None:
    migrated = migrate({"language": "en"})
    assert migrated.settings == {
        "language": "en",
        "teacher_pin_set": False,
        "first_run_done": True,
        "comfyui_sources": {"package_index": None, "wheel_folder": None},
        "comfyui": {"machines": []},
        "classroom": {"address": None, "port": 8765, "per_student_limit": 1},
        "schema_version": CURRENT_VERSION,
    }
    assert migrated.moved_out == {}


def test_a_current_file_is_left_as_it_is() -> None:
    current = Settings(language="en").model_dump(mode="json")
    assert migrate(current).settings == current


@pytest.mark.parametrize("version", [0, "1", True, None])
def test_a_nonsense_version_is_refused(version: object) -> None:
    with pytest.raises(ValueError, match="schema_version"):
        migrate({"schema_version": version})


def test_a_file_from_a_newer_app_is_refused() -> None:
    with pytest.raises(NewerSchemaError, match="newer version"):
        migrate({"schema_version": CURRENT_VERSION + 1})


def test_a_version_2_file_gets_empty_comfyui_sources_and_keeps_everything_else() -> None:
    raw = json.loads(FIXTURE_V2.read_text(encoding="utf-8"))
    migrated = migrate(raw)
    settings = Settings.model_validate(migrated.settings)
    assert settings.comfyui_sources.package_index is None and settings.comfyui_sources.wheel_folder is None
    dumped = settings.model_dump(
        mode="json",
        exclude={"schema_version": True, "comfyui_sources": True, "comfyui": {"machines"}, "classroom": True},
    )
    assert dumped == {key: value for key, value in raw.items() if key != "schema_version"}
    assert settings.comfyui.machines == []


FIXTURE_V4 = Path(__file__).resolve().parents[1] / "fixtures" / "settings" / "v4-main-2026-12-05.json"


def test_a_version_4_file_gets_the_classroom_defaults_and_keeps_everything_else() -> None:
    raw = json.loads(FIXTURE_V4.read_text(encoding="utf-8"))
    settings = Settings.model_validate(migrate(raw).settings)
    assert settings.classroom.model_dump() == {"address": None, "port": 8765, "per_student_limit": 1}
    dumped = settings.model_dump(mode="json", exclude={"schema_version": True, "classroom": True})
    assert dumped == {key: value for key, value in raw.items() if key != "schema_version"}
