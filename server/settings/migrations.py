"""Brings a settings.json written by an earlier version of the app up to today's schema.

settings.json is validated with unknown fields forbidden, so without this a renamed, moved or
removed field would make every older file "damaged" and reset every setting. Instead each file
carries ``schema_version``, and ``MIGRATIONS[n]`` turns version ``n + 1`` into ``n + 2``: a small
pure function on the raw dict (no files, no clock). They run in order before validation. A
migration that moves a part out of settings.json returns it in ``Migrated.moved_out``; the store
writes it to its own file before the new settings.json (docs/settings.md, "Changing the schema").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A file without the field is from version 1: the app has always written schema_version 1 until 2.
FIRST_VERSION = 1

RawSettings = dict[str, Any]


@dataclass(frozen=True)
class Migrated:
    settings: RawSettings
    # Parts that now live in files of their own, by name (e.g. "teacher_pin": the PIN's hash).
    moved_out: dict[str, Any] = field(default_factory=dict)


class NewerSchemaError(ValueError):
    """The file was written by a newer version of the app."""


def v1_to_v2(raw: Mapping[str, Any]) -> Migrated:
    """The teacher PIN's hash moves to teacher-pin.json; settings.json keeps only whether one is set.

    Also: a version 1 file without ``first_run_done`` is from before the first-run wizard, so its
    install is set up already.
    """
    settings = dict(raw)
    pin_hash = settings.pop("teacher_pin", None)
    settings["teacher_pin_set"] = pin_hash is not None
    settings.setdefault("first_run_done", True)
    settings["schema_version"] = 2
    return Migrated(settings, {"teacher_pin": pin_hash} if pin_hash is not None else {})


def v2_to_v3(raw: Mapping[str, Any]) -> Migrated:
    """Adds ``comfyui_sources`` (a school mirror or wheel folder for installing ComfyUI): none yet."""
    settings = dict(raw)
    settings.setdefault("comfyui_sources", {"package_index": None, "wheel_folder": None})
    settings["schema_version"] = 3
    return Migrated(settings)


def v3_to_v4(raw: Mapping[str, Any]) -> Migrated:
    """ComfyUI becomes a pool: today's single choice stays its first machine, with no others yet."""
    settings = dict(raw)
    comfyui = dict(settings.get("comfyui") or {})
    comfyui.setdefault("machines", [])
    settings["comfyui"] = comfyui
    settings["schema_version"] = 4
    return Migrated(settings)


def v4_to_v5(raw: Mapping[str, Any]) -> Migrated:
    """Adds ``classroom`` (classroom mode's address, port and per-student limit): the defaults."""
    settings = dict(raw)
    settings.setdefault("classroom", {"address": None, "port": 8765, "per_student_limit": 1})
    settings["schema_version"] = 5
    return Migrated(settings)


# MIGRATIONS[i] turns version FIRST_VERSION + i into FIRST_VERSION + i + 1. Append only.
MIGRATIONS: tuple[Callable[[Mapping[str, Any]], Migrated], ...] = (v1_to_v2, v2_to_v3, v3_to_v4, v4_to_v5)
CURRENT_VERSION = FIRST_VERSION + len(MIGRATIONS)


def schema_version(raw: Mapping[str, Any]) -> int:
    version = raw.get("schema_version", FIRST_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < FIRST_VERSION:
        raise ValueError(f"schema_version must be a whole number from {FIRST_VERSION}, not {version!r}")
    if version > CURRENT_VERSION:
        raise NewerSchemaError(
            f"schema_version {version} was written by a newer version of the app (this one reads up to "
            f"{CURRENT_VERSION})"
        )
    return version


def migrate(raw: Mapping[str, Any]) -> Migrated:
    """Runs every migration from the file's version to ``CURRENT_VERSION``; raises ValueError if it cannot."""
    version = schema_version(raw)
    settings: RawSettings = dict(raw)
    moved_out: dict[str, Any] = {}
    for step in MIGRATIONS[version - FIRST_VERSION :]:
        result = step(settings)
        settings = result.settings
        moved_out.update(result.moved_out)
    return Migrated(settings, moved_out)
