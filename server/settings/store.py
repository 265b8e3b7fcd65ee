"""Loads and saves settings.json; a broken file never stops the app."""

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
from server.settings.teacher_pin import hash_pin, pin_matches

log = logging.getLogger(__name__)


class SettingsStore:
    def __init__(self, path: Path, notices: Notices) -> None:
        self._path = path
        self._notices = notices
        self._lock = threading.Lock()
        self._settings = self._load()

    @property
    def current(self) -> Settings:
        with self._lock:
            return self._settings.model_copy(deep=True)

    @property
    def offline(self) -> bool:
        """Read on every outgoing request (server/network/policy.py), so without a copy."""
        with self._lock:
            return self._settings.offline

    def check_teacher_pin(self, pin: str | None) -> None:
        """For teacher-only changes: passes when no PIN is set yet or the PIN matches."""
        with self._lock:
            stored = self._settings.teacher_pin
        if stored is not None and (pin is None or not pin_matches(pin, stored)):
            raise AppError("pin_wrong", ErrorKind.FORBIDDEN)

    def change_offline(self, change: OfflineChange) -> Settings:
        """Going online needs the teacher PIN once one is set; going offline never does (it only closes)."""

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
        with self._lock:
            changed = self._settings.model_copy(deep=True)
            apply(changed)
            write_model_atomic(self._path, changed)
            self._settings = changed
            return changed.model_copy(deep=True)

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
