"""The lab policy: laid over the stored settings, enforced by the store, and safe when its file is broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.errors import AppError
from server.notices import Notices
from server.settings.models import (
    ComfyUIMode,
    ModelFolderSettings,
    OfflineChange,
    PinChange,
    SafetyLevelChange,
    SettingsPatch,
)
from server.settings.policy import (
    POLICY_FILE_ENV,
    LabPolicy,
    load_policy,
    machine_policy_file,
    policy_file_location,
)
from server.settings.safety_level import SafetyLevel
from server.settings.store import SettingsStore


def write_policy(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "policy.json"
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def store_with(tmp_path: Path, policy: LabPolicy) -> SettingsStore:
    return SettingsStore(tmp_path / "settings.json", Notices(), policy)


def test_locations_per_operating_system_and_the_override(tmp_path: Path) -> None:
    assert machine_policy_file({}, "linux") == Path("/etc/ai4artsed/policy.json")
    assert machine_policy_file({}, "darwin") == Path("/Library/Application Support/AI4ArtsEd/policy.json")
    program_data = tmp_path / "ProgramData"
    windows = policy_file_location({"ProgramData": str(program_data)}, "win32")
    assert windows == program_data / "AI4ArtsEd" / "policy.json"
    # Without a machine policy, the variable names the file.
    environ = {"ProgramData": str(program_data), POLICY_FILE_ENV: str(tmp_path / "p.json")}
    assert policy_file_location(environ, "win32") == tmp_path / "p.json"


def test_the_variable_cannot_replace_the_machines_own_policy(tmp_path: Path) -> None:
    program_data = tmp_path / "ProgramData"
    machine = program_data / "AI4ArtsEd" / "policy.json"
    machine.parent.mkdir(parents=True)
    machine.write_text('{"safety_level": "kids"}', encoding="utf-8")
    environ = {"ProgramData": str(program_data), POLICY_FILE_ENV: str(tmp_path / "empty.json")}
    assert policy_file_location(environ, "win32") == machine


def test_no_file_means_no_policy(tmp_path: Path) -> None:
    policy = load_policy(tmp_path / "missing.json")
    assert policy.public() == {"locked": [], "hide_settings": False}
    assert policy.problems == ()


def test_policy_values_are_laid_over_the_stored_settings(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        {
            "comment": "lab 2, set by IT",
            "safety_level": "youth",
            "offline": False,
            "comfyui": {"mode": "external", "url": "http://gpu.school:8188"},
            "model_folders": {"find_existing": False},
            "hide_settings": True,
        },
    )
    policy = load_policy(path)
    assert policy.problems == ()
    assert policy.public() == {
        "locked": ["safety_level", "offline", "comfyui", "model_folders"],
        "hide_settings": True,
    }
    store = store_with(tmp_path, policy)
    current = store.current
    assert current.safety_level is SafetyLevel.YOUTH
    assert current.offline is False and store.offline is False
    assert current.comfyui.mode is ComfyUIMode.EXTERNAL
    assert current.comfyui.url == "http://gpu.school:8188"
    # What the policy leaves out stays the user's own.
    assert current.model_folders.chosen == []
    assert current.model_folders.find_existing is False
    assert store.public()["policy"] == policy.public()


def test_locked_changes_are_refused_even_with_the_right_pin(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, {"safety_level": "kids", "offline": True}))
    store = store_with(tmp_path, policy)
    store.change_pin(PinChange(new_pin="4711"))
    with pytest.raises(AppError) as refused:
        store.change_safety_level(SafetyLevelChange(level=SafetyLevel.ADULT, pin="4711"))
    assert refused.value.code == "setting_locked_by_policy"
    assert refused.value.params["setting"] == {"de": "Sicherheitsstufe", "en": "safety level"}
    assert refused.value.params["file"] == str(policy.file)
    # The lock wins over a wrong PIN: the teacher learns that no PIN helps.
    with pytest.raises(AppError) as refused_offline:
        store.change_offline(OfflineChange(offline=False, pin="0000"))
    assert refused_offline.value.code == "setting_locked_by_policy"
    assert store.current.safety_level is SafetyLevel.KIDS
    assert store.offline is True
    # Asking for what the policy already says changes nothing and is fine.
    store.change_offline(OfflineChange(offline=True))


def test_model_folder_changes_are_refused_when_locked(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, {"model_folders": {"chosen": ["/srv/models"]}}))
    store = store_with(tmp_path, policy)
    with pytest.raises(AppError) as refused:
        store.set_model_folders(ModelFolderSettings(chosen=["/elsewhere"]))
    assert refused.value.code == "setting_locked_by_policy"
    assert store.current.model_folders.chosen == ["/srv/models"]


def test_unlocked_changes_still_work_and_the_file_keeps_the_users_own_values(tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"safety_level": "adult", "offline": False}), encoding="utf-8")
    policy = load_policy(write_policy(tmp_path, {"safety_level": "kids"}))
    store = store_with(tmp_path, policy)
    assert store.current.safety_level is SafetyLevel.KIDS
    changed = store.apply(SettingsPatch(language="en"))
    assert changed.language == "en" and changed.safety_level is SafetyLevel.KIDS
    store.change_offline(OfflineChange(offline=True))
    stored = json.loads(settings_file.read_text(encoding="utf-8"))
    # Without the policy the user's own choice comes back; the policy never rewrites it.
    assert stored["safety_level"] == "adult"
    assert stored["language"] == "en"
    assert stored["offline"] is True


@pytest.mark.parametrize(
    "content",
    [
        '{"safety_level": "adult", ',  # cut off
        "[1, 2]",  # not an object
        b"\xff\xfe\x00garbage",  # not text
    ],
)
def test_an_unreadable_file_locks_safety_and_network_to_the_strictest(
    tmp_path: Path, content: str | bytes
) -> None:
    path = tmp_path / "policy.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    policy = load_policy(path)
    assert [problem.field for problem in policy.problems] == ["(file)"]
    assert policy.locked == ["safety_level", "offline"]
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"safety_level": "research", "offline": False}), encoding="utf-8")
    store = SettingsStore(settings_file, Notices(), policy)
    assert store.current.safety_level is SafetyLevel.KIDS
    assert store.offline is True


def test_a_partly_broken_file_keeps_what_it_could_read_and_stays_strict(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        {
            "safety_level": "teenagers",  # not a level
            "comfyui": {"mode": "external", "url": "http://gpu:8188"},
            "hidde_settings": True,  # misspelt
        },
    )
    policy = load_policy(path)
    assert {(p.field, "safety_level" in p.field or "unknown" in p.detail) for p in policy.problems} == {
        ("safety_level", True),
        ("hidde_settings", True),
    }
    assert set(policy.locked) == {"safety_level", "offline", "comfyui"}
    store = store_with(tmp_path, policy)
    assert store.current.safety_level is SafetyLevel.KIDS
    assert store.offline is True
    assert store.current.comfyui.url == "http://gpu:8188"


def test_a_readable_value_wins_over_the_strictest_when_another_field_is_broken(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, {"offline": False, "models_dir": "relative/models"}))
    assert [p.field for p in policy.problems] == ["models_dir"]
    assert policy.models_dir is None
    assert policy.fixed["offline"] is False
    assert policy.fixed["safety_level"] == "kids"


def test_models_dir_is_read_as_a_path(tmp_path: Path) -> None:
    folder = tmp_path / "shared-models"
    policy = load_policy(write_policy(tmp_path, {"models_dir": str(folder)}))
    assert policy.problems == ()
    assert policy.models_dir == folder
    assert policy.locked == []


def test_attitudes_dir_is_an_absolute_path_and_locks_no_setting(tmp_path: Path) -> None:
    folder = tmp_path / "school-attitudes"
    policy = load_policy(write_policy(tmp_path, {"attitudes_dir": str(folder)}))
    assert policy.problems == ()
    assert policy.attitudes_dir == folder
    assert policy.locked == []
    assert policy.describe()["attitudes_dir"] == str(folder)
    relative = load_policy(write_policy(tmp_path, {"attitudes_dir": "school/attitudes"}))
    assert [p.field for p in relative.problems] == ["attitudes_dir"]
    assert relative.attitudes_dir is None


def test_the_policy_can_fix_the_comfyui_pools_machines(tmp_path: Path) -> None:
    machines = [{"url": "http://10.0.0.20:8188", "name": "GPU server", "enabled": True, "header_name": None}]
    policy = load_policy(write_policy(tmp_path, {"comfyui": {"machines": machines}}))
    assert policy.problems == ()
    assert policy.public()["locked"] == ["comfyui"]
    current = store_with(tmp_path, policy).current
    assert [machine.model_dump() for machine in current.comfyui.machines] == machines
