"""API keys in ``secrets.json`` in the user's config directory, readable only by its owner.

The store can set, replace and delete a key and say whether one is set (with its last four characters
for recognition). ``get`` is for the code that builds a provider client and for nothing else: no API
route, log line, repr or error ever carries a key.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets as random_tokens
import sys
import threading
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

_log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_FILE_VERSION = 1
# Below this length the last four characters would give away too much of the key.
_MIN_LENGTH_FOR_LAST4 = 12
_OWNER_ONLY = 0o600


class SecretStatus(BaseModel):
    """What the API may say about a key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    is_set: bool
    last4: str | None = None


class SecretsNotice(BaseModel):
    """Something the user should be told (message code + params, see server/i18n/messages/secrets.json)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    params: dict[str, str]


class SecretsStore:
    """Thread-safe; every change is written at once, atomically."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._keys: dict[str, str] = {}
        self.notices: list[SecretsNotice] = []
        self._load()

    def __repr__(self) -> str:
        with self._lock:
            names = sorted(self._keys)
        return f"SecretsStore(path={str(self._path)!r}, names={names!r})"

    @property
    def path(self) -> Path:
        return self._path

    # --- the public operations -----------------------------------------------------------------

    def set(self, name: str, value: str) -> SecretStatus:
        """Store or replace a key. Surrounding whitespace (from copy and paste) is dropped."""
        _check_name(name)
        cleaned = value.strip()
        if not cleaned or any(ch in cleaned for ch in "\r\n\t ") or not cleaned.isprintable():
            raise ValueError("an API key must be one line of printable characters without spaces")
        with self._lock:
            self._keys[name] = cleaned
            self._write()
            _log.info("API key %r stored", name)
            return self._status(name)

    def delete(self, name: str) -> SecretStatus:
        _check_name(name)
        with self._lock:
            if self._keys.pop(name, None) is not None:
                self._write()
                _log.info("API key %r deleted", name)
            return self._status(name)

    def status(self, name: str) -> SecretStatus:
        _check_name(name)
        with self._lock:
            return self._status(name)

    def statuses(self) -> list[SecretStatus]:
        with self._lock:
            return [self._status(name) for name in sorted(self._keys)]

    def redact(self, text: str) -> str:
        """``text`` with every stored key replaced (for text that leaves the app, e.g. diagnostics)."""
        with self._lock:
            values = sorted(self._keys.values(), key=len, reverse=True)
        for value in values:
            text = text.replace(value, "[API key removed]")
        return text

    def get(self, name: str) -> str | None:
        """The key itself: only for putting it into a provider's Authorization header."""
        _check_name(name)
        with self._lock:
            return self._keys.get(name)

    # --- internals ------------------------------------------------------------------------------

    def _status(self, name: str) -> SecretStatus:
        value = self._keys.get(name)
        if value is None:
            return SecretStatus(name=name, is_set=False)
        last4 = value[-4:] if len(value) >= _MIN_LENGTH_FOR_LAST4 else None
        return SecretStatus(name=name, is_set=True, last4=last4)

    def _load(self) -> None:
        if not self._path.exists():
            return
        _restrict_permissions(self._path)
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            keys = data["keys"]
            if not isinstance(keys, dict) or not all(
                isinstance(k, str) and _NAME.match(k) and isinstance(v, str) for k, v in keys.items()
            ):
                raise ValueError("keys must map names to strings")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self._back_up_corrupt_file(type(exc).__name__)
            return
        self._keys = dict(keys)

    def _back_up_corrupt_file(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = self._path.with_name(f"{self._path.name}.corrupt-{stamp}")
        if backup.exists():
            backup = backup.with_name(f"{backup.name}-{random_tokens.token_hex(3)}")
        self._path.replace(backup)
        # The damaged file may still hold keys, so its copy stays owner-only too.
        _restrict_permissions(backup)
        _log.warning("secrets file was unreadable (%s); moved to %s, starting empty", reason, backup.name)
        self.notices.append(
            SecretsNotice(code="secrets.corrupt_file_backed_up", params={"backup_name": backup.name})
        )

    def _write(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"version": _FILE_VERSION, "keys": self._keys}, indent=2, sort_keys=True)
        temp = self._path.with_name(f".{self._path.name}.{random_tokens.token_hex(4)}.tmp")
        # Created owner-only from the first byte on, never widened and narrowed afterwards.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), _OWNER_ONLY)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            temp.replace(self._path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _restrict_permissions(self._path)


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"invalid secret name {name!r}: use lower-case letters, digits, '_', '.', '-'")


def _restrict_permissions(path: Path) -> None:
    # Windows ignores POSIX modes; the file lives in the user's own profile there.
    if sys.platform == "win32":
        return
    try:
        if path.stat().st_mode & 0o777 != _OWNER_ONLY:
            path.chmod(_OWNER_ONLY)
    except OSError as exc:
        _log.warning("could not restrict permissions of %s: %s", path.name, exc)
