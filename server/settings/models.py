"""The settings a teacher can change, as stored in settings.json."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SafetyLevel(StrEnum):
    KIDS = "kids"  # 8-12
    YOUTH = "youth"  # 13-17
    ADULT = "adult"
    RESEARCH = "research"  # filters off; needs the teacher PIN


class ComfyUIMode(StrEnum):
    MANAGED = "managed"  # we start and supervise a ComfyUI install
    EXTERNAL = "external"  # a running ComfyUI at a URL (e.g. a school GPU server)
    NONE = "none"  # cloud only


class ComfyUISettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: ComfyUIMode = ComfyUIMode.NONE
    directory: str | None = None
    python: str | None = None
    url: str | None = None
    # Extra ComfyUI flags for the device, e.g. ["--lowvram"] or ["--cpu"]; None: "--cpu" without a GPU.
    device_flags: list[str] | None = None


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    schema_version: Literal[1] = 1
    language: Literal["de", "en"] = "de"
    safety_level: SafetyLevel = SafetyLevel.KIDS
    # A new install stays offline until a teacher decides otherwise.
    offline: bool = True
    comfyui: ComfyUISettings = Field(default_factory=ComfyUISettings)


class SettingsPatch(BaseModel):
    """What the UI may change without the teacher PIN."""

    model_config = ConfigDict(extra="forbid")

    language: Literal["de", "en"] | None = None
