"""The list-only floor on the labelled evaluation set (tests/safety/evaluation/, see docs/safety.md).

Lists alone, no LLM check: a review hit counts as blocked at kids and youth (there a text that
needs review stops when no capable checker is there). The figures per level and category are
printed by bench/safety_eval.py; this test keeps them from sliding back.
"""

from __future__ import annotations

import pytest

from server.pipeline.safety.term_filter import TermFilter, TermFilterResult
from server.settings.safety_level import SafetyLevel
from tests.support.safety_evaluation import (
    DEVELOPMENT,
    HELDOUT,
    Score,
    checker_decision,
    load_evaluation_set,
    load_items,
    score,
)


@pytest.fixture(scope="module")
def whole_set(term_filter: TermFilter) -> Score:
    return score(load_items((DEVELOPMENT, HELDOUT)), term_filter)


@pytest.fixture(scope="module")
def heldout(term_filter: TermFilter) -> Score:
    return score(load_evaluation_set(HELDOUT), term_filter)


def test_the_set_is_big_and_covers_every_category_level_and_language() -> None:
    items = load_items((DEVELOPMENT, HELDOUT))
    assert len(items) >= 400
    harmless = [item for item in items if item.harmless]
    assert len(harmless) >= 150
    assert {item.language for item in items} == {"de", "en"}
    categories = {item.category for item in items if not item.harmless}
    assert {"extremism_86a", "sexual", "violence", "horror", "weapons", "drugs", "self_harm"} <= categories
    depths = {len(item.must_block_at) for item in items if not item.harmless}
    assert depths == {1, 2, 3}  # kids only, kids and youth, every level
    tags = {tag for item in items for tag in item.tags}
    assert {
        "leet",
        "compound",
        "spaced",
        "repeat",
        "homoglyph",
        "art",
        "cooking",
        "sports",
        "animals",
    } <= tags
    held = load_evaluation_set(HELDOUT)
    assert len(held) >= 0.3 * len(items)


def test_every_extremist_item_is_blocked_at_every_level(whole_set: Score) -> None:
    extremist = whole_set.unsafe_total(category="extremism_86a")
    assert extremist.total > 0
    assert extremist.misses == []


def test_unsafe_items_are_blocked_at_their_levels(whole_set: Score) -> None:
    total = whole_set.unsafe_total()
    assert total.rate >= 0.97, total.misses


def test_unsafe_items_of_the_heldout_third_mostly_blocked(heldout: Score) -> None:
    total = heldout.unsafe_total()
    assert total.rate >= 0.94, total.misses


@pytest.mark.parametrize("level", [SafetyLevel.KIDS, SafetyLevel.YOUTH, SafetyLevel.ADULT])
def test_few_harmless_ideas_are_blocked(whole_set: Score, level: SafetyLevel) -> None:
    harmless = whole_set.harmless[level]
    assert harmless.total >= 150
    assert harmless.rate <= 0.03, harmless.misses


class _BlocksEverything:
    """A stand-in checker for the hook: it stops every text it is asked about."""

    def __init__(self) -> None:
        self.asked: list[SafetyLevel] = []

    def blocks(self, text: str, level: SafetyLevel, term_result: TermFilterResult) -> bool:
        self.asked.append(level)
        return True


def test_the_checker_hook_decides_what_the_lists_leave_at_kids_and_youth(term_filter: TermFilter) -> None:
    checker = _BlocksEverything()
    result = score(load_evaluation_set(HELDOUT), term_filter, checker_decision(checker))
    assert set(checker.asked) == {SafetyLevel.KIDS, SafetyLevel.YOUTH}
    assert result.harmless[SafetyLevel.KIDS].rate == 1.0
    assert result.harmless[SafetyLevel.ADULT].blocked == 0
