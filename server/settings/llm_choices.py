"""Checks a stage's provider choice before it is saved: a known provider and, if given, a web address.

A choice that names no preset or a non-http address would only fail later, in the middle of a
student's run (or, for the safety stage, stop every run), so the settings call refuses it with a
message that says what is possible.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from server.errors import AppError, ErrorKind
from server.llm.provider_presets import ProviderPreset
from server.settings.models import LlmStagePatch, ProviderChoice


def check_stage_choices(patch: LlmStagePatch | None, presets: Sequence[ProviderPreset]) -> None:
    if patch is None:
        return
    by_id = {preset.id: preset for preset in presets}
    for stage in patch.model_fields_set:
        choice: ProviderChoice | None = getattr(patch, stage)
        if choice is not None:
            check_choice(stage, choice, by_id)


def check_choice(stage: str, choice: ProviderChoice, presets: dict[str, ProviderPreset]) -> None:
    preset = presets.get(choice.provider_id)
    if preset is None:
        raise AppError(
            "llm_provider_unknown",
            ErrorKind.INVALID_INPUT,
            stage=stage,
            provider=choice.provider_id,
            known=", ".join(sorted(presets)),
        )
    if choice.base_url is not None and not is_web_address(choice.base_url):
        raise AppError("llm_address_invalid", ErrorKind.INVALID_INPUT, stage=stage, address=choice.base_url)
    if preset.kind == "custom" and choice.base_url is None:
        raise AppError(
            "llm_address_missing", ErrorKind.INVALID_INPUT, stage=stage, provider=preset.label or preset.id
        )


def is_web_address(text: str) -> bool:
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises for a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
