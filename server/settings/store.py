"""Loads and saves settings.json; a broken file never stops the app, and never unlocks anything.

settings.json goes through the migrations (migrations.py) before it is validated. A file that still
cannot be read is kept as ``settings.json.damaged-<time>`` and the app starts with the defaults
(youth protection "children", offline mode on); the teacher PIN lives in its own file
(teacher_pin_file.py) and stays in force.

The store is also the one place where the lab policy (server/settings/policy.py) is enforced: what it
hands out (``current``, ``offline``) is the stored settings with the policy laid over them, so every
consumer sees the policy's values, and every change goes through ``_change``, which refuses to touch
a field the policy fixes. settings.json itself keeps the user's own values.

Changes guarded by the teacher PIN check the PIN first, outside the settings lock (the hash is slow
and readers must not wait for it); inside the lock the change is refused if a PIN appeared meanwhile.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from server.atomic_write import write_bytes_atomic, write_model_atomic
from server.errors import AppError, ErrorKind
from server.notices import Notices
from server.settings.migrations import CURRENT_VERSION, migrate, schema_version
from server.settings.models import (
    ClassroomSettings,
    ComfyUISettings,
    ComfyUISources,
    ModelFolderSettings,
    OfflineChange,
    PinChange,
    SafetyLevelChange,
    Settings,
    SettingsPatch,
)
from server.settings.policy import LabPolicy
from server.settings.safety_level import SafetyLevel
from server.settings.teacher_pin_file import PinState, TeacherPin

log = logging.getLogger(__name__)

# Fields whose change weakens or strengthens the safety check: teacher-only once a PIN is set.
_SAFETY_STAGE_FIELDS = ("safety_llm_check",)


class SettingsStore:
    def __init__(
        self,
        path: Path,
        notices: Notices,
        policy: LabPolicy | None = None,
        teacher_pin: TeacherPin | None = None,
    ) -> None:
        self._path = path
        self._notices = notices
        self._policy = policy or LabPolicy()
        self._lock = threading.Lock()
        self._pin = teacher_pin or TeacherPin(path.parent)
        self._stored = self._load()
        # What everyone reads: the stored settings with the policy's values laid over them.
        self._settings = self._policy.overlay(self._stored)

    @property
    def current(self) -> Settings:
        """The settings in effect (the lab policy's values included)."""
        with self._lock:
            return self._settings.model_copy(deep=True)

    @property
    def offline(self) -> bool:
        """Read on every outgoing request (server/network/policy.py), so without a copy."""
        with self._lock:
            return self._settings.offline

    @property
    def policy(self) -> LabPolicy:
        return self._policy

    @property
    def pin_state(self) -> PinState:
        return self._pin.state

    def public(self, settings: Settings | None = None) -> dict[str, object]:
        """What the UI may see of the settings (``current`` unless given), with what the policy fixes."""
        data = (settings or self.current).public()
        data["teacher_pin_locked"] = self._pin.state is PinState.LOCKED
        data["policy"] = self._policy.public()
        return data

    def check_teacher_pin(self, pin: str | None) -> None:
        """For teacher-only changes: passes when no PIN is set yet or the PIN matches."""
        self._pin.check(pin)

    def require_teacher_pin(self, pin: str | None) -> None:
        """For what only a teacher may do even before a PIN exists (a run's override): 403 without a
        set PIN, and the PIN checked (throttled) like every other."""
        if not self._pin.check(pin):
            raise AppError("teacher_pin_needed", ErrorKind.FORBIDDEN)

    def change_offline(self, change: OfflineChange) -> Settings:
        """Going online needs the teacher PIN once one is set; going offline never does (it only closes)."""

        if change.offline != self.offline:
            # Before the PIN: the teacher should learn that no PIN opens this.
            self._policy.refuse("offline")
        verified = not change.offline and self.offline and self._pin.check(change.pin)

        def apply(settings: Settings) -> None:
            going_online = not change.offline and settings.offline
            if going_online:
                self._refuse_unless_verified(verified)
            settings.offline = change.offline

        return self._change(apply)

    def apply(self, patch: SettingsPatch) -> Settings:
        def merge(settings: Settings) -> None:
            _merge(settings, patch, patch.model_fields_set - {"pin"})

        preview = self.current
        merge(preview)
        verified = self._touches_safety_stage(self.current, preview) and self._pin.check(patch.pin)

        def apply(settings: Settings) -> None:
            before = settings.model_copy(deep=True)
            merge(settings)
            if self._touches_safety_stage(before, settings):
                self._refuse_unless_verified(verified)

        return self._change(apply)

    def set_comfyui(self, comfyui: ComfyUISettings) -> Settings:
        def apply(settings: Settings) -> None:
            settings.comfyui = comfyui

        return self._change(apply)

    def set_comfyui_sources(self, sources: ComfyUISources) -> Settings:
        def apply(settings: Settings) -> None:
            settings.comfyui_sources = sources

        return self._change(apply)

    def set_classroom(self, classroom: ClassroomSettings) -> Settings:
        def apply(settings: Settings) -> None:
            settings.classroom = classroom

        return self._change(apply)

    def set_model_folders(self, folders: ModelFolderSettings) -> Settings:
        def apply(settings: Settings) -> None:
            settings.model_folders = folders

        return self._change(apply)

    def change_safety_level(self, change: SafetyLevelChange) -> Settings:
        if change.level != self.current.safety_level:
            self._policy.refuse("safety_level")
        verified = self._pin.check(change.pin)

        def apply(settings: Settings) -> None:
            if self._pin.state is PinState.NONE:
                if change.level is SafetyLevel.RESEARCH:
                    raise AppError("research_needs_pin", ErrorKind.FORBIDDEN)
            else:
                self._refuse_unless_verified(verified)
            settings.safety_level = change.level

        return self._change(apply)

    def change_pin(self, change: PinChange) -> Settings:
        # Checks the current PIN (throttled), hashes the new one and writes its file: no settings lock.
        self._pin.replace(change.current_pin, change.new_pin)

        def apply(settings: Settings) -> None:
            settings.teacher_pin_set = True

        return self._change(apply)

    def _refuse_unless_verified(self, verified: bool) -> None:
        """Inside the lock: a PIN that was set (or locked) after the check still guards the change."""
        if not verified and self._pin.state is not PinState.NONE:
            if self._pin.state is PinState.LOCKED:
                raise self._pin.locked_error()
            raise AppError("pin_wrong", ErrorKind.FORBIDDEN)

    @staticmethod
    def _touches_safety_stage(before: Settings, after: Settings) -> bool:
        return before.llm.safety != after.llm.safety or any(
            getattr(before, name) != getattr(after, name) for name in _SAFETY_STAGE_FIELDS
        )

    def _change(self, apply: Callable[[Settings], None]) -> Settings:
        """Applies a change to the settings in effect; a field the policy fixes must stay as it is."""
        with self._lock:
            changed = self._settings.model_copy(deep=True)
            apply(changed)
            self._policy.refuse_change(self._settings, changed)
            # Only the fields that changed go to the file; fixed ones keep the user's own value there.
            stored = self._stored.model_copy(deep=True)
            for name in Settings.model_fields:
                if getattr(changed, name) != getattr(self._settings, name):
                    setattr(stored, name, getattr(changed, name))
            write_model_atomic(self._path, stored)
            self._stored = stored
            self._settings = self._policy.overlay(stored)
            return self._settings.model_copy(deep=True)

    def _load(self) -> Settings:
        was_reset = self._pin.reset_if_requested()
        if was_reset:
            self._notices.add("teacher_pin_reset", file=str(self._pin.reset_file))
        loaded, says_pin_set, needs_write = self._read(adopt_pin=not was_reset)
        state = self._pin.load(False if was_reset else says_pin_set)
        if state is PinState.LOCKED:
            self._notices.add("teacher_pin_locked", file=str(self._pin.file), reset=str(self._pin.reset_file))
        settings = loaded or Settings()
        marker = state is not PinState.NONE
        if settings.teacher_pin_set != marker:
            settings.teacher_pin_set = marker
            needs_write = True
        if needs_write:
            # Now, so a migrated file is migrated once and a damaged one is reported once.
            try:
                write_model_atomic(self._path, settings)
            except OSError:
                log.exception("could not write the settings file %s", self._path)
        return settings

    def _read(self, adopt_pin: bool) -> tuple[Settings | None, bool | None, bool]:
        """The settings (None: no file or damaged), whether they say a PIN is set (None: cannot tell),
        and whether the file must be written again (migrated or damaged)."""
        if not self._path.exists():
            return None, False, False
        raw: Any = None
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError(f"the file must hold one JSON object {{...}}, not {type(raw).__name__}")
            version = schema_version(raw)
            migrated = migrate(raw)
            moved_pin = migrated.moved_out.get("teacher_pin")
            if adopt_pin and moved_pin is not None:
                # A version 1 file comes from an older app, written after any teacher-pin.json: newest PIN.
                self._pin.adopt(moved_pin)
            raw = migrated.settings
            settings = Settings.model_validate(raw)
        except (OSError, UnicodeDecodeError, ValueError, ValidationError) as exc:
            self._keep_damaged_file(exc)
            return None, _says_pin_set(raw), True
        if version != CURRENT_VERSION:
            log.info(
                "settings file %s migrated from schema version %d to %d", self._path, version, CURRENT_VERSION
            )
        return settings, settings.teacher_pin_set, version != CURRENT_VERSION

    def _keep_damaged_file(self, problem: Exception) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        backup = self._path.with_name(f"{self._path.name}.damaged-{stamp}")
        try:
            # Owner-only: a file from before the PIN moved out holds the PIN's hash.
            write_bytes_atomic(backup, self._path.read_bytes(), mode=0o600)
        except OSError:
            log.exception("could not keep the damaged settings file %s", self._path)
        log.warning(
            "settings file %s is damaged (%s); using the defaults (youth protection: children, offline), "
            "kept it as %s",
            self._path,
            problem,
            backup,
        )
        self._notices.add("settings_damaged", file=str(self._path), backup=str(backup))


def _says_pin_set(raw: object) -> bool | None:
    """What a damaged file still tells about the PIN: None when it is not even a JSON object."""
    if not isinstance(raw, dict):
        return None
    return raw.get("teacher_pin_set") is True or raw.get("teacher_pin") is not None


def _merge(target: BaseModel, patch: BaseModel, names: set[str] | None = None) -> None:
    """Copies the fields the patch sets; a nested patch changes only the fields it sets itself."""
    for name in patch.model_fields_set if names is None else names:
        value = getattr(patch, name)
        current = getattr(target, name)
        if (
            isinstance(value, BaseModel)
            and isinstance(current, BaseModel)
            and type(value) is not type(current)
        ):
            merged = current.model_copy(deep=True)
            _merge(merged, value)
            setattr(target, name, merged)
        elif value is not None:
            setattr(target, name, value)
