"""Things the teacher should know about that did not stop the app (e.g. a settings file was reset)."""

from __future__ import annotations

import threading
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class NoticeLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"


class Notice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    level: NoticeLevel
    params: dict[str, str] = {}


class Notices:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Notice] = []

    def add(self, code: str, level: NoticeLevel = NoticeLevel.WARNING, **params: str) -> None:
        with self._lock:
            self._items.append(Notice(code=code, level=level, params=params))

    def all(self) -> list[Notice]:
        with self._lock:
            return list(self._items)
