"""What each safety level switches on."""

from __future__ import annotations

from server.pipeline.safety.term_lists import FILTERING_LEVELS
from server.settings.safety_level import SafetyLevel

KIDS, YOUTH, ADULT, RESEARCH = SafetyLevel.KIDS, SafetyLevel.YOUTH, SafetyLevel.ADULT, SafetyLevel.RESEARCH


def test_values_are_the_setting_names() -> None:
    assert [level.value for level in SafetyLevel] == ["kids", "youth", "adult", "research"]
    assert SafetyLevel("youth") is YOUTH


def test_age_ranges() -> None:
    assert (KIDS.min_age, KIDS.max_age) == (8, 12)
    assert (YOUTH.min_age, YOUTH.max_age) == (13, 17)
    assert (ADULT.min_age, ADULT.max_age) == (18, None)
    assert (RESEARCH.min_age, RESEARCH.max_age) == (None, None)


def test_llm_check_and_fail_closed_only_for_kids_and_youth() -> None:
    assert [level for level in SafetyLevel if level.runs_llm_check] == [KIDS, YOUTH]
    assert [level for level in SafetyLevel if level.fails_closed] == [KIDS, YOUTH]


def test_research_needs_the_pin_and_checks_nothing() -> None:
    assert [level for level in SafetyLevel if level.requires_teacher_pin] == [RESEARCH]
    assert [level for level in SafetyLevel if not level.filters_terms] == [RESEARCH]
    assert RESEARCH not in FILTERING_LEVELS


def test_which_lists_apply() -> None:
    every_level = frozenset({KIDS, YOUTH, ADULT})
    kids_and_youth = frozenset({KIDS, YOUTH})
    assert [level for level in SafetyLevel if level.uses_list(every_level)] == [KIDS, YOUTH, ADULT]
    assert [level for level in SafetyLevel if level.uses_list(kids_and_youth)] == [KIDS, YOUTH]
    assert [level for level in SafetyLevel if level.uses_list(frozenset({KIDS}))] == [KIDS]
    assert not RESEARCH.uses_list(frozenset(SafetyLevel))
