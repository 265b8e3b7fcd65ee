"""Turns message codes + parameters into text in the user's language.

Messages live in JSON files under ``server/i18n/messages/`` (one file per area), each mapping a code to
``{"de": ..., "en": ...}``. Domain code raises errors and reports notices by code; only the API layer
renders them, in the language the UI asked for.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, RootModel

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = ("de", "en")
DEFAULT_MESSAGES_DIR = Path(__file__).parent / "messages"


class _MessageText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    de: str
    en: str


class _MessageFile(RootModel[dict[str, _MessageText]]):
    pass


class _KeepUnknown(dict[str, object]):
    """Leaves a placeholder visible instead of failing when a parameter is missing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Translator:
    def __init__(self, messages_dir: Path = DEFAULT_MESSAGES_DIR) -> None:
        self._messages: dict[str, _MessageText] = {}
        for path in sorted(messages_dir.glob("*.json")):
            parsed = _MessageFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
            for code, text in parsed.root.items():
                if code in self._messages:
                    raise ValueError(f"message code '{code}' is defined twice (second time in {path.name})")
                self._messages[code] = text

    def has(self, code: str) -> bool:
        return code in self._messages

    def codes(self) -> frozenset[str]:
        return frozenset(self._messages)

    def translate(self, code: str, language: Language, params: Mapping[str, object] | None = None) -> str:
        text = self._messages.get(code)
        if text is None:
            # A missing text must never hide the problem itself: show the code and its facts.
            details = ", ".join(f"{k}={v}" for k, v in (params or {}).items())
            return f"{code} ({details})" if details else code
        template = text.de if language == "de" else text.en
        values = {key: _in_language(value, language) for key, value in (params or {}).items()}
        return string.Formatter().vformat(template, (), _KeepUnknown(values))


def _in_language(value: object, language: Language) -> object:
    """A parameter may itself differ by language (a size "4,9 GB" / "4.9 GB", a model's name)."""
    if isinstance(value, Mapping) and isinstance(value.get(language), str):
        return value[language]
    return value


def pick_language(accept_language: str | None, fallback: Language) -> Language:
    """The UI sends its chosen language explicitly; browsers send lists like 'de-DE,de;q=0.9,en;q=0.8'."""
    if not accept_language:
        return fallback
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag == "de":
            return "de"
        if tag == "en":
            return "en"
    return fallback
