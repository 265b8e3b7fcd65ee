"""Every block and every failed check has a kind explanation in German and English."""

from __future__ import annotations

import re

import pytest

from server.pipeline.safety.categories import SafetyCategory, most_serious
from server.pipeline.safety.explanations import (
    CheckFailure,
    block_message_code,
    check_failure_message_code,
)
from server.pipeline.safety.term_lists import FILTERING_LEVELS, TermList
from server.settings.safety_level import SafetyLevel

Messages = dict[str, dict[str, str]]


def test_every_list_category_has_an_explanation_per_level_and_language(
    term_lists: list[TermList], messages: Messages
) -> None:
    used = {group.category for term_list in term_lists for group in term_list.groups}
    assert SafetyCategory.EXTREMISM_86A in used
    for category in used | {SafetyCategory.OTHER}:
        for level in FILTERING_LEVELS:
            code = block_message_code(category, level)
            assert code in messages, f"missing explanation {code}"
            assert set(messages[code]) == {"de", "en"}, code


def test_every_verdict_category_has_an_explanation(messages: Messages) -> None:
    for category in SafetyCategory:
        for level in (SafetyLevel.KIDS, SafetyLevel.YOUTH):
            assert block_message_code(category, level) in messages


def test_fail_closed_messages(messages: Messages) -> None:
    for failure in CheckFailure:
        for level in (SafetyLevel.KIDS, SafetyLevel.YOUTH):
            assert check_failure_message_code(failure, level) in messages
    unavailable = messages["safety.check_unavailable.kids"]["en"]
    assert "not reachable" in unavailable
    assert "teacher" in unavailable


def test_no_stray_or_empty_messages(messages: Messages) -> None:
    expected = {block_message_code(c, level) for c in SafetyCategory for level in FILTERING_LEVELS}
    expected |= {
        check_failure_message_code(f, level)
        for f in CheckFailure
        for level in SafetyLevel
        if level.fails_closed
    }
    assert set(messages) == expected
    for code, texts in messages.items():
        assert set(texts) == {"de", "en"}, code
        for language, text in texts.items():
            assert text.strip() == text and len(text) >= 20, (code, language)
            # Short enough to read on a card in the UI.
            assert len(text) <= 400, (code, language)
            assert not re.search(r"\{[a-z_]+\}", text), "safety messages take no parameters"


def test_kids_messages_use_du_and_self_harm_points_to_help(messages: Messages) -> None:
    for category in SafetyCategory:
        text = messages[block_message_code(category, SafetyLevel.KIDS)]["de"]
        assert " Sie " not in text, "children are addressed with du"
    for level in (SafetyLevel.KIDS, SafetyLevel.YOUTH):
        texts = messages[block_message_code(SafetyCategory.SELF_HARM, level)]
        assert "116 111" in texts["de"]
        assert "116 111" in texts["en"]


def test_codes_are_refused_where_nothing_blocks() -> None:
    with pytest.raises(ValueError, match="checks nothing"):
        block_message_code(SafetyCategory.VIOLENCE, SafetyLevel.RESEARCH)
    with pytest.raises(ValueError, match="does not stop"):
        check_failure_message_code(CheckFailure.UNAVAILABLE, SafetyLevel.ADULT)


def test_most_serious_category_is_explained() -> None:
    assert (
        most_serious([SafetyCategory.SWEARING, SafetyCategory.EXTREMISM_86A]) is SafetyCategory.EXTREMISM_86A
    )
    assert most_serious([SafetyCategory.HORROR, SafetyCategory.SELF_HARM]) is SafetyCategory.SELF_HARM
    assert most_serious([]) is SafetyCategory.OTHER
