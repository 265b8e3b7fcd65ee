"""The term lists in configs/safety/terms/: their format, validation and loading.

A file is one list: `id` (the file stem), `description`, `levels` it applies at (kids, youth,
adult; never research), `languages`, and `groups`, each with a `category`, an `action` (`block`:
unambiguous; `review`: the LLM check decides in context), a `note` saying why, and `entries`.
An entry is a word or a phrase, matched as whole words after folding (see normalization.py).
`stem*` matches one word starting with the stem, `*stem` one word ending with it (for German
compounds: "Hakenkreuz*" finds "Hakenkreuzfahne"); stems need 4 letters or more; `*stem*` finds
the stem anywhere inside a word (5 letters or more). Write German words with their umlauts and ß:
every spelling (ä/ae, ß/ss) is derived from that. A group has `entries` (each alone is a hit) or
`together` (parts of entries; a hit when one of every part stands close by: "Kind" with "nackt").
A list's `exceptions` are harmless words containing a listed one ("killer whale"); a hit inside
one is dropped. docs/safety.md describes all of it for whoever extends a list.

A list that does not load is an error, never a skipped file: silently losing the §86a list or the
kids list would weaken protection without anyone noticing. The caller decides how to report it.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.normalization import parse_entry
from server.settings.safety_level import SafetyLevel

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
Language = Literal["de", "en"]

# Levels a term list may name; research never filters, so a list naming it would be a mistake.
FILTERING_LEVELS: tuple[SafetyLevel, ...] = (SafetyLevel.KIDS, SafetyLevel.YOUTH, SafetyLevel.ADULT)


class TermAction(StrEnum):
    BLOCK = "block"  # unambiguous: the text stops here
    REVIEW = "review"  # depends on context ("a knight kills the dragon"): the LLM check decides


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Entry = Annotated[str, StringConstraints(min_length=1, max_length=120)]


class TermGroup(Strict):
    """Either `entries` (each one alone is a hit) or `together` (a hit when one entry of every part
    stands within TOGETHER_WINDOW characters: "Kind" and "nackt", "88" and "Heil")."""

    category: SafetyCategory
    action: TermAction
    note: str = ""  # why these entries are here, for whoever maintains the list
    # `together` comes first so that the check of `entries` can see it.
    together: list[list[Entry]] = Field(default_factory=list)
    entries: list[Entry] = Field(default_factory=list, validate_default=True)

    @field_validator("together")
    @classmethod
    def _together_parts(cls, together: list[list[str]]) -> list[list[str]]:
        if together and (len(together) < 2 or not all(together)):
            raise ValueError("'together' needs at least two parts, each with at least one entry")
        for part in together:
            for entry in part:
                parse_entry(entry)
        return together

    @field_validator("category")
    @classmethod
    def _not_other(cls, category: SafetyCategory) -> SafetyCategory:
        if category is SafetyCategory.OTHER:
            raise ValueError("'other' is only for the LLM check; a list names a specific category")
        return category

    @field_validator("entries")
    @classmethod
    def _entries_parse(cls, entries: list[str], info: ValidationInfo) -> list[str]:
        # When `together` itself failed, it is missing here; its own error says what is wrong.
        has_together = bool(info.data.get("together"))
        if "together" in info.data and has_together == bool(entries):
            raise ValueError("a group needs 'entries' or 'together' (one of them, not both)")
        for entry in entries:
            parse_entry(entry)
        return entries


class TermList(Strict):
    """One file of terms. Its id is the file stem."""

    id: Identifier
    description: str
    levels: list[SafetyLevel] = Field(min_length=1)
    languages: list[Language] = Field(min_length=1)
    groups: list[TermGroup] = Field(min_length=1)
    # Harmless words and phrases that contain a listed one ("killer whale", "Blutorange*"): a hit
    # that lies wholly inside an exception's place in the text is dropped.
    exceptions: list[Entry] = Field(default_factory=list)

    @field_validator("exceptions")
    @classmethod
    def _exceptions_parse(cls, exceptions: list[str]) -> list[str]:
        for entry in exceptions:
            parse_entry(entry)
        return exceptions

    @field_validator("levels")
    @classmethod
    def _filtering_levels_only(cls, levels: list[SafetyLevel]) -> list[SafetyLevel]:
        if SafetyLevel.RESEARCH in levels:
            raise ValueError("'research' checks nothing, so no list can apply to it")
        if len(set(levels)) != len(levels):
            raise ValueError("a level is named twice")
        return levels

    @model_validator(mode="after")
    def _consistent(self) -> TermList:
        if any(group.category is SafetyCategory.EXTREMISM_86A for group in self.groups):
            missing = [level.value for level in FILTERING_LEVELS if level not in self.levels]
            if missing:
                raise ValueError(
                    "§86a terms apply at every level; add the missing levels: " + ", ".join(missing)
                )
        # Two entries that share a spelling ("SS-Rune", "SS rune") make the list harder to review
        # and report the same place twice.
        seen: dict[tuple[str, tuple[str, ...]], str] = {}
        duplicates: list[str] = []
        for group in self.groups:
            for entry in group.entries:
                parsed = parse_entry(entry)
                keys = [(parsed.kind.value, spelling) for spelling in parsed.spellings]
                clash = next((seen[key] for key in keys if key in seen), None)
                if clash is not None:
                    duplicates.append(f"'{entry}' overlaps '{clash}'")
                seen.update(dict.fromkeys(keys, entry))
        if duplicates:
            raise ValueError("; ".join(duplicates) + " (keep one of each)")
        return self

    @property
    def level_set(self) -> frozenset[SafetyLevel]:
        return frozenset(self.levels)


class TermListError(Exception):
    """One or more term lists could not be loaded; `problems` names each file and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("The safety term lists could not be loaded:\n" + "\n".join(problems))
        self.problems = problems


def load_term_lists(directory: Path) -> list[TermList]:
    """Every `*.json` list in `directory`, validated; raises TermListError listing all problems."""
    problems: list[str] = []
    lists: list[TermList] = []
    files = sorted(directory.glob("*.json"))
    if not files:
        raise TermListError([f"{directory}: no term lists (*.json) found"])
    for path in files:
        try:
            term_list = parse_term_list(path.read_text(encoding="utf-8"), source=path.name)
        except TermListError as error:
            problems.extend(error.problems)
            continue
        except OSError as error:
            problems.append(f"{path.name}: cannot be read ({error.strerror})")
            continue
        if term_list.id != path.stem:
            problems.append(
                f"{path.name}: field 'id' is '{term_list.id}' but must be the file name, '{path.stem}'"
            )
            continue
        lists.append(term_list)
    if problems:
        raise TermListError(problems)
    return lists


def parse_term_list(text: str, source: str) -> TermList:
    """Validate one list's JSON text; `source` names the file in error messages."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TermListError(
            [f"{source}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"]
        ) from error
    try:
        return TermList.model_validate(data)
    except ValidationError as error:
        raise TermListError([f"{source}: {_describe(detail)}" for detail in error.errors()]) from error


def _describe(detail: ErrorDetails) -> str:
    location = ".".join(str(part) for part in detail["loc"])
    if detail["type"] == "extra_forbidden":
        return f"unknown field '{location}' (misspelt? allowed fields are listed in term_lists.py)"
    message = detail["msg"].removeprefix("Value error, ")
    return f"field '{location}': {message}" if location else message
