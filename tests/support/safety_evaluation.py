"""The labelled safety evaluation set (tests/safety/evaluation/) and how it is scored.

Shared by bench/safety_eval.py (prints the figures) and tests/safety/test_evaluation_floor.py
(asserts the list-only floor). An item is an idea a student might type; `must_block_at` names the
levels that must stop it, an empty list means harmless (it must pass at every level).

What "blocked" means, lists alone: a `block` hit stops the text at every level; a `review` hit
stops it at kids and youth, because there a text that needs review and has no capable checker to
review it is stopped (fail closed). Adult runs no LLM check, so a review hit passes there.
With a checker: the lists decide first; whatever they do not block goes to the checker at the
levels that run the LLM check (kids, youth). The checker is a hook (`EvaluationChecker`); the
bench loads one by name, see bench/safety_eval.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.term_filter import TermFilter, TermFilterResult
from server.pipeline.safety.term_lists import FILTERING_LEVELS
from server.settings.safety_level import SafetyLevel

EVALUATION_DIR = Path(__file__).resolve().parents[1] / "safety" / "evaluation"
HELDOUT = "heldout"
DEVELOPMENT = "development"
HARMLESS = "harmless"

ItemCategory = Literal[
    "harmless",
    "violence",
    "weapons",
    "sexual",
    "drugs",
    "self_harm",
    "horror",
    "swearing",
    "hate",
    "extremism_86a",
]
Tag = Literal[
    "leet", "spaced", "repeat", "homoglyph", "compound", "art", "cooking", "sports", "animals", "contains"
]


class EvaluationItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z]+-\d{3}$")]
    text: Annotated[str, StringConstraints(min_length=3, max_length=300)]
    language: Literal["de", "en"]
    category: ItemCategory
    must_block_at: list[SafetyLevel]
    tags: list[Tag] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> EvaluationItem:
        if SafetyLevel.RESEARCH in self.must_block_at:
            raise ValueError(f"{self.id}: research blocks nothing")
        if (self.category == HARMLESS) != (not self.must_block_at):
            raise ValueError(f"{self.id}: harmless items block nowhere, unsafe items somewhere")
        # A level's list applies at every stricter level too, so the levels form a prefix.
        expected = list(FILTERING_LEVELS[: len(self.must_block_at)])
        if self.must_block_at != expected:
            raise ValueError(f"{self.id}: must_block_at must be a prefix of {[x.value for x in expected]}")
        if self.category == SafetyCategory.EXTREMISM_86A.value and len(self.must_block_at) != 3:
            raise ValueError(f"{self.id}: extremist items must be blocked at every level")
        return self

    @property
    def harmless(self) -> bool:
        return not self.must_block_at


class EvaluationSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    items: list[EvaluationItem] = Field(min_length=1)


def load_evaluation_set(name: str) -> list[EvaluationItem]:
    path = EVALUATION_DIR / f"{name}.json"
    return EvaluationSet.model_validate_json(path.read_text(encoding="utf-8")).items


class EvaluationChecker(Protocol):
    """The LLM check as the evaluation sees it: does it stop `text` at `level`?

    Called only for texts the lists did not block, at kids and youth; `term_result` carries the
    review hits the checker is asked to judge in context.
    """

    def blocks(self, text: str, level: SafetyLevel, term_result: TermFilterResult) -> bool: ...


def blocked_by_lists(result: TermFilterResult, level: SafetyLevel) -> bool:
    """Lists alone: a review hit blocks where the level would run a check that is not there."""
    return result.blocked or (result.needs_review and level.runs_llm_check)


def blocked_with_checker(
    text: str, result: TermFilterResult, level: SafetyLevel, checker: EvaluationChecker
) -> bool:
    if result.blocked:
        return True
    if not level.runs_llm_check:
        return False
    return checker.blocks(text, level, result)


@dataclass
class Tally:
    total: int = 0
    blocked: int = 0
    misses: list[str] = field(default_factory=list)  # ids: unsafe passed, or harmless blocked

    @property
    def rate(self) -> float:
        return self.blocked / self.total if self.total else 0.0


@dataclass
class Score:
    """Per level and category: how many unsafe items are blocked, how many harmless ones."""

    unsafe: dict[tuple[SafetyLevel, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    harmless: dict[SafetyLevel, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def unsafe_total(self, level: SafetyLevel | None = None, category: str | None = None) -> Tally:
        total = Tally()
        for (item_level, item_category), tally in self.unsafe.items():
            if (level is None or item_level is level) and (category is None or item_category == category):
                total.total += tally.total
                total.blocked += tally.blocked
                total.misses.extend(tally.misses)
        return total


Decide = Callable[[EvaluationItem, TermFilterResult, SafetyLevel], bool]


def score(items: Iterable[EvaluationItem], term_filter: TermFilter, decide: Decide | None = None) -> Score:
    """Check every item at every filtering level; `decide` defaults to the lists alone."""
    result = Score()
    for item in items:
        for level in FILTERING_LEVELS:
            filtered = term_filter.check(item.text, level)
            blocked = (
                decide(item, filtered, level) if decide is not None else blocked_by_lists(filtered, level)
            )
            if item.harmless:
                tally = result.harmless[level]
                tally.total += 1
                if blocked:
                    tally.blocked += 1
                    tally.misses.append(item.id)
            elif level in item.must_block_at:
                tally = result.unsafe[(level, item.category)]
                tally.total += 1
                if blocked:
                    tally.blocked += 1
                else:
                    tally.misses.append(item.id)
    return result


def checker_decision(checker: EvaluationChecker) -> Decide:
    def decide(item: EvaluationItem, filtered: TermFilterResult, level: SafetyLevel) -> bool:
        return blocked_with_checker(item.text, filtered, level, checker)

    return decide


def load_items(names: Iterable[str]) -> list[EvaluationItem]:
    return [item for name in names for item in load_evaluation_set(name)]
