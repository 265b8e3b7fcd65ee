"""Loads and saves settings.json; a broken file never stops the app.

The store is also the one place where the lab policy (server/settings/policy.py) is enforced: what it
hands out (``current``, ``offline``) is the stored settings with the policy laid over them, so every
consumer sees the policy's values, and every change goes through ``_change``, which refuses to touch
a field the policy fixes. settings.json itself keeps the user's own values.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from server.atomic_write import write_model_atomic
from server.errors import AppError, ErrorKind
from server.notices import Notices
from server.pipeline.safety.levels import SafetyLevel
from server.settings.models import (
    ComfyUISettings,
    ModelFolderSettings,
    OfflineChange,
    PinChange,
    SafetyLevelChange,
    Settings,
    SettingsPatch,
)
from server.settings.policy import LabPolicy
from server.settings.teacher_pin import hash_pin, pin_matches

log = logging.getLogger(__name__)


class SettingsStore:
    def __init__(self, path: Path, notices: Notices, policy: LabPolicy | None = None) -> None:
        self._path = path
        self._notices = notices
        self._policy = policy or LabPolicy()
        self._lock = threading.Lock()
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

    def public(self, settings: Settings | None = None) -> dict[str, object]:
        """What the UI may see of the settings (``current`` unless given), with what the policy fixes."""
        data = (settings or self.current).public()
        data["policy"] = self._policy.public()
        return data

    def check_teacher_pin(self, pin: str | None) -> None:
        """For teacher-only changes: passes when no PIN is set yet or the PIN matches."""
        with self._lock:
            stored = self._settings.teacher_pin
        if stored is not None and (pin is None or not pin_matches(pin, stored)):
            raise AppError("pin_wrong", ErrorKind.FORBIDDEN)

    def change_offline(self, change: OfflineChange) -> Settings:
        """Going online needs the teacher PIN once one is set; going offline never does (it only closes)."""

        if change.offline != self.offline:
            # Before the PIN: the teacher should learn that no PIN opens this.
            self._policy.refuse("offline")

        def apply(settings: Settings) -> None:
            going_online = not change.offline and settings.offline
            if (
                going_online
                and settings.teacher_pin is not None
                and (change.pin is None or not pin_matches(change.pin, settings.teacher_pin))
            ):
                raise AppError("pin_wrong", ErrorKind.FORBIDDEN)
            settings.offline = change.offline

        return self._change(apply)

    def apply(self, patch: SettingsPatch) -> Settings:
        return self._change(lambda settings: _merge(settings, patch))

    def set_comfyui(self, comfyui: ComfyUISettings) -> Settings:
        def apply(settings: Settings) -> None:
            settings.comfyui = comfyui

        return self._change(apply)

    def set_model_folders(self, folders: ModelFolderSettings) -> Settings:
        def apply(settings: Settings) -> None:
            settings.model_folders = folders

        return self._change(apply)

    def change_safety_level(self, change: SafetyLevelChange) -> Settings:
        if change.level != self.current.safety_level:
            self._policy.refuse("safety_level")

        def apply(settings: Settings) -> None:
            if settings.teacher_pin is None:
                if change.level is SafetyLevel.RESEARCH:
                    raise AppError("research_needs_pin", ErrorKind.FORBIDDEN)
            elif change.pin is None or not pin_matches(change.pin, settings.teacher_pin):
                raise AppError("pin_wrong", ErrorKind.FORBIDDEN)
            settings.safety_level = change.level

        return self._change(apply)

    def change_pin(self, change: PinChange) -> Settings:
        def apply(settings: Settings) -> None:
            if settings.teacher_pin is not None and (
                change.current_pin is None or not pin_matches(change.current_pin, settings.teacher_pin)
            ):
                raise AppError("pin_wrong", ErrorKind.FORBIDDEN)
            settings.teacher_pin = hash_pin(change.new_pin)

        return self._change(apply)

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
        if not self._path.exists():
            return Settings()
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                # A settings file from before the first-run wizard belongs to an install that is set up.
                raw.setdefault("first_run_done", True)
            return Settings.model_validate(raw)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as exc:
            backup = self._keep_broken_file()
            log.warning(
                "settings file %s is unreadable (%s); using defaults, kept it as %s", self._path, exc, backup
            )
            self._notices.add("settings_reset", file=str(self._path), backup=str(backup))
            return Settings()

    def _keep_broken_file(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        backup = self._path.with_name(f"{self._path.stem}.broken-{stamp}{self._path.suffix}")
        shutil.copy2(self._path, backup)
        return backup


def _merge(target: BaseModel, patch: BaseModel) -> None:
    """Copies the fields the patch sets; a nested patch changes only the fields it sets itself."""
    for name in patch.model_fields_set:
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
