"""Dedicated safety classifiers (guard models): which model is one, and how to read its answer.

A guard model is not held to our JSON verdict: its GGUF chat template already wraps the text in
its own classification prompt (Llama Guard 3's hazard list, Qwen3Guard's policy), so we send the
text alone as the user turn and read its native answer:

  Llama Guard 3   "safe"  or  "unsafe\\nS1,S10"
  Qwen3Guard-Gen  "Safety: Safe|Unsafe|Controversial\\nCategories: Violent, PII"

Anything else is a GuardParseError, never a guess: at kids and youth the gate fails closed on it.
The category maps and name patterns are data in configs/safety/guard_models.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import StringConstraints

from server.catalog.models import Strict
from server.config_file import ConfigFileError, read_config_file
from server.pipeline.safety.categories import SafetyCategory

MAX_GUARD_ANSWER_CHARS = 500


class GuardFormat(StrEnum):
    LLAMA_GUARD_3 = "llama_guard_3"
    QWEN3GUARD = "qwen3guard"


class GuardFormatEntry(Strict):
    name_patterns: list[Annotated[str, StringConstraints(min_length=3)]]
    categories: dict[str, SafetyCategory]


class GuardModelsFile(Strict):
    description: str = ""
    formats: dict[GuardFormat, GuardFormatEntry]


class GuardModelsError(ConfigFileError):
    """configs/safety/guard_models.json is missing or broken; the message names file and field."""


@dataclass(frozen=True)
class GuardVerdict:
    safe: bool
    categories: list[str]  # the guard's own category names, as it answered them
    category: SafetyCategory | None  # ours, for the explanation (the first one that maps)
    controversial: bool = False


class GuardParseError(Exception):
    def __init__(self, guard: GuardFormat, answer: str) -> None:
        excerpt = answer[:200]
        super().__init__(f"the {guard.value} checker answered something that is not its verdict: {excerpt!r}")
        self.guard = guard


class GuardModels:
    def __init__(self, data: GuardModelsFile) -> None:
        self._data = data

    @classmethod
    def from_file(cls, path: Path) -> GuardModels:
        return cls(read_config_file(path, GuardModelsFile, GuardModelsError))

    def format_for_name(self, model_name: str) -> GuardFormat | None:
        """The guard format a model name reveals (Ollama's ``llama-guard3:1b``, a GGUF file name)."""
        folded = model_name.casefold()
        for guard, entry in self._data.formats.items():
            if any(pattern.casefold() in folded for pattern in entry.name_patterns):
                return guard
        return None

    def parse(self, guard: GuardFormat, answer: str) -> GuardVerdict:
        text = answer.strip()
        if not text or len(text) > MAX_GUARD_ANSWER_CHARS:
            raise GuardParseError(guard, answer)
        if guard is GuardFormat.LLAMA_GUARD_3:
            return self._llama_guard(text, answer)
        return self._qwen3guard(text, answer)

    def _map(self, guard: GuardFormat, names: list[str]) -> SafetyCategory:
        mapping = self._data.formats[guard].categories if guard in self._data.formats else {}
        for name in names:
            if name in mapping:
                return mapping[name]
        return SafetyCategory.OTHER

    def _llama_guard(self, text: str, answer: str) -> GuardVerdict:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        head = lines[0].casefold()
        if head == "safe" and len(lines) == 1:
            return GuardVerdict(safe=True, categories=[], category=None)
        if head != "unsafe" or len(lines) > 2:
            raise GuardParseError(GuardFormat.LLAMA_GUARD_3, answer)
        codes = [code.strip().upper() for code in lines[1].split(",")] if len(lines) == 2 else []
        if any(_LLAMA_CODE.fullmatch(code) is None for code in codes):
            raise GuardParseError(GuardFormat.LLAMA_GUARD_3, answer)
        category = self._map(GuardFormat.LLAMA_GUARD_3, codes)
        return GuardVerdict(safe=False, categories=codes, category=category)

    def _qwen3guard(self, text: str, answer: str) -> GuardVerdict:
        safety = _QWEN_SAFETY.search(text)
        if safety is None:
            raise GuardParseError(GuardFormat.QWEN3GUARD, answer)
        found = _QWEN_CATEGORIES.search(text)
        names = [name.strip() for name in found.group(1).split(",")] if found else []
        names = [name for name in names if name and name != "None"]
        rating = safety.group(1).casefold()
        if rating == "safe":
            return GuardVerdict(safe=True, categories=names, category=None)
        category = self._map(GuardFormat.QWEN3GUARD, names)
        # "Controversial" is not safe enough for a class of children: the gate blocks it too.
        return GuardVerdict(
            safe=False, categories=names, category=category, controversial=rating == "controversial"
        )


_LLAMA_CODE = re.compile(r"S(?:[1-9]|1[0-4])")
_QWEN_SAFETY = re.compile(r"^Safety:\s*(Safe|Unsafe|Controversial)\s*$", re.MULTILINE | re.IGNORECASE)
_QWEN_CATEGORIES = re.compile(r"^Categories:\s*(.*)$", re.MULTILINE)
