"""Loads and saves settings.json; a broken file never stops the app."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from server.atomic_write import write_model_atomic
from server.notices import Notices
from server.settings.models import Settings, SettingsPatch

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

    def apply(self, patch: SettingsPatch) -> Settings:
        with self._lock:
            changed = self._settings.model_copy(deep=True)
            for field in patch.model_fields_set:
                setattr(changed, field, getattr(patch, field))
            write_model_atomic(self._path, changed)
            self._settings = changed
            return changed.model_copy(deep=True)

    def _load(self) -> Settings:
        if not self._path.exists():
            return Settings()
        try:
            return Settings.model_validate(json.loads(self._path.read_text(encoding="utf-8")))
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
