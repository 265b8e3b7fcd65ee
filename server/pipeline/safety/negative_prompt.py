"""The negative prompt stage 3 hands to stage 4: the level's base terms, the config's, the student's."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from server.config_file import ConfigFileError, read_config_file
from server.settings.safety_level import SafetyLevel

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


class NegativePromptError(ConfigFileError):
    """configs/safety/negative_prompts.json is missing or broken; the message names file and field."""


class NegativePrompts:
    """Loaded once; `for_level` builds the negative prompt for one generation."""

    def __init__(self, config: NegativePromptFile) -> None:
        self._config = config

    @classmethod
    def from_file(cls, path: Path) -> NegativePrompts:
        return cls(read_config_file(path, NegativePromptFile, NegativePromptError))

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
