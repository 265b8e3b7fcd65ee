"""Which message explains a block or a failed check; the texts live in server/i18n/messages/safety.json."""

from __future__ import annotations

from enum import StrEnum

from server.pipeline.safety.categories import SafetyCategory
from server.settings.safety_level import SafetyLevel


class CheckFailure(StrEnum):
    UNAVAILABLE = "unavailable"  # the checker could not be reached or timed out
    UNCLEAR = "unclear"  # it answered, but not with a verdict (see verdict.VerdictParseError)


def block_message_code(category: SafetyCategory, level: SafetyLevel) -> str:
    """The message code of the child-friendly explanation for a block at `level`."""
    if not level.filters_terms:
        raise ValueError(f"the level '{level.value}' checks nothing, so nothing is blocked there")
    return f"safety.blocked.{category.value}.{level.value}"


def check_failure_message_code(failure: CheckFailure, level: SafetyLevel) -> str:
    """The message code for a run stopped because the LLM check failed (only where it fails closed)."""
    if not level.fails_closed:
        raise ValueError(f"the level '{level.value}' does not stop when the check fails")
    return f"safety.check_{failure.value}.{level.value}"


def needs_review_message_code(level: SafetyLevel) -> str:
    """A word the lists cannot judge without context, and no checker that can (kids and youth)."""
    if not level.fails_closed:
        raise ValueError(f"the level '{level.value}' does not block unsure words")
    return f"safety.needs_review.{level.value}"


def media_withheld_message_code(level: SafetyLevel) -> str:
    """The student's message for a generated image or video the image check withheld."""
    return f"safety.media_withheld.{level.value}"
