"""Recognises a full disk (or an exhausted quota) behind any error, so a person is told to free space
instead of being sent after ComfyUI or the LLM."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from server.errors import AppError, ErrorKind

# EDQUOT is missing on some platforms (Windows reports a full quota as ENOSPC).
DISK_FULL_ERRNOS = frozenset(code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code)
# sqlite3 has no name for it before Python 3.11's sqlite_errorcode; the value is part of SQLite's ABI.
SQLITE_FULL = 13


def is_disk_full(error: BaseException) -> bool:
    """True if ``error`` or anything it was raised from is a full disk or quota."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return True
        if isinstance(current, sqlite3.Error) and getattr(current, "sqlite_errorcode", None) == SQLITE_FULL:
            return True
        current = current.__cause__ or current.__context__
    return False


def disk_full_error(folder: Path) -> AppError:
    """The error a person sees: the disk is full, free space in ``folder``."""
    return AppError("disk_full", ErrorKind.UNAVAILABLE, folder=str(folder))
