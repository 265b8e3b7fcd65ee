"""The safety levels a teacher chooses, and what each level switches on.

The level is a setting (settings.json, the lab policy), so settings own it; the pipeline reads
what a level switches on from here.
"""

from __future__ import annotations

from enum import StrEnum


class SafetyLevel(StrEnum):
    KIDS = "kids"
    YOUTH = "youth"
    ADULT = "adult"
    RESEARCH = "research"

    @property
    def min_age(self) -> int | None:
        """Youngest age the level is meant for; None for research (no age, only a teacher's decision)."""
        return _MIN_AGE[self]

    @property
    def max_age(self) -> int | None:
        """Oldest age the level is meant for; None when open-ended."""
        return _MAX_AGE[self]

    @property
    def filters_terms(self) -> bool:
        # Research switches every check off, the §86a list included; that is why it needs the PIN.
        return self is not SafetyLevel.RESEARCH

    @property
    def runs_llm_check(self) -> bool:
        return self in (SafetyLevel.KIDS, SafetyLevel.YOUTH)

    @property
    def fails_closed(self) -> bool:
        """A checker that is unreachable or answers nonsense stops the run instead of letting it pass."""
        return self in (SafetyLevel.KIDS, SafetyLevel.YOUTH)

    @property
    def requires_teacher_pin(self) -> bool:
        return self is SafetyLevel.RESEARCH

    def uses_list(self, list_levels: frozenset[SafetyLevel]) -> bool:
        """Whether a term list that declares `list_levels` is applied at this level."""
        return self.filters_terms and self in list_levels


_MIN_AGE: dict[SafetyLevel, int | None] = {
    SafetyLevel.KIDS: 8,
    SafetyLevel.YOUTH: 13,
    SafetyLevel.ADULT: 18,
    SafetyLevel.RESEARCH: None,
}
_MAX_AGE: dict[SafetyLevel, int | None] = {
    SafetyLevel.KIDS: 12,
    SafetyLevel.YOUTH: 17,
    SafetyLevel.ADULT: None,
    SafetyLevel.RESEARCH: None,
}
