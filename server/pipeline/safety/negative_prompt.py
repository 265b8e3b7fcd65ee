"""The negative prompt stage 3 hands to stage 4: the level's base terms, the config's, the student's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from server.pipeline.safety.levels import SafetyLevel

NegativeTerm = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[^,\n]+$")]
_SPACES = re.compile(r"\s+")


class NegativePromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    levels: dict[SafetyLevel, list[NegativeTerm]]

    @field_validator("levels")
    @classmethod
    def _every_level(cls, levels: dict[SafetyLevel, list[str]]) -> dict[SafetyLevel, list[str]]:
        missing = sorted(level.value for level in SafetyLevel if level not in levels)
        if missing:
            raise ValueError(
                f"no base terms for the level(s) {', '.join(missing)} (an empty list is allowed)"
            )
        return levels


class NegativePromptError(Exception):
    """configs/safety/negative_prompts.json is missing or broken; the message names file and field."""


class NegativePrompts:
    """Loaded once; `for_level` builds the negative prompt for one generation."""

    def __init__(self, config: NegativePromptFile) -> None:
        self._config = config

    @classmethod
    def from_file(cls, path: Path) -> NegativePrompts:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise NegativePromptError(f"{path.name}: cannot be read ({error.strerror})") from error
        except json.JSONDecodeError as error:
            raise NegativePromptError(
                f"{path.name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
            ) from error
        try:
            return cls(NegativePromptFile.model_validate(data))
        except ValidationError as error:
            problems = "; ".join(
                f"field '{'.'.join(str(part) for part in detail['loc'])}': {detail['msg']}"
                for detail in error.errors()
            )
            raise NegativePromptError(f"{path.name}: {problems}") from error

    def base_terms(self, level: SafetyLevel) -> list[str]:
        return list(self._config.levels[level])

    def for_level(self, level: SafetyLevel, *extra: str | None) -> str:
        """The level's base terms, then each extra negative prompt (config default, student's), once each."""
        return combine_negative_prompts(", ".join(self._config.levels[level]), *extra)


def combine_negative_prompts(*prompts: str | None) -> str:
    """Join comma-separated negative prompts, keeping the first spelling of each term and its order.

    Terms compare case- and space-insensitively, so "Blood" and " blood " count once. Safety terms
    come first, so a model that cuts long prompts short drops the student's additions, not them.
    """
    seen: set[str] = set()
    terms: list[str] = []
    for term in _split_terms(prompts):
        key = term.casefold()
        if key not in seen:
            seen.add(key)
            terms.append(term)
    return ", ".join(terms)


def _split_terms(prompts: Iterable[str | None]) -> Iterable[str]:
    for prompt in prompts:
        if not prompt:
            continue
        for part in re.split(r"[,\n]", prompt):
            term = _SPACES.sub(" ", part).strip()
            if term:
                yield term
