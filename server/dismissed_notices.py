"""Information notices a teacher dismissed, remembered per app version in a small file of their own.

The window runs in private mode (its storage ends with the window), so the dismissal lives beside the
settings. A new version may have something new to say, so a dismissal holds for the version it was
made in; warnings are not remembered at all (what they report may happen again).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

FILE_NAME = "dismissed_notices.json"


class NoticeDismissal(BaseModel):
    """POST /api/system/notices/dismiss."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=100)


class _DismissedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    codes: list[str]


class DismissedNotices:
    def __init__(self, config_dir: Path, version: str) -> None:
        self._path = config_dir / FILE_NAME
        self._version = version
        self._lock = threading.Lock()

    def codes(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._read())

    def dismiss(self, code: str) -> None:
        with self._lock:
            codes = self._read()
            if code in codes:
                return
            codes.append(code)
            self._path.parent.mkdir(parents=True, exist_ok=True)
            partial = self._path.with_suffix(".tmp")
            partial.write_text(
                _DismissedFile(version=self._version, codes=codes).model_dump_json(), encoding="utf-8"
            )
            partial.replace(self._path)

    def _read(self) -> list[str]:
        try:
            stored = _DismissedFile.model_validate(json.loads(self._path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return []
        except (OSError, ValueError, ValidationError):
            # Only a convenience: a damaged file shows the notices again, nothing worse.
            log.warning("the file of dismissed notices is unreadable; it is started afresh")
            return []
        return list(stored.codes) if stored.version == self._version else []
