"""What a blocked text is about; picks the child-friendly explanation."""

from __future__ import annotations

from enum import StrEnum


class SafetyCategory(StrEnum):
    VIOLENCE = "violence"
    WEAPONS = "weapons"
    SEXUAL = "sexual"
    DRUGS = "drugs"
    SELF_HARM = "self_harm"
    HORROR = "horror"
    SWEARING = "swearing"
    HATE = "hate"
    EXTREMISM_86A = "extremism_86a"
    # Only the LLM check answers this one: something unsuitable that fits no other category.
    OTHER = "other"


# When one text hits several categories, the explanation talks about the most serious one.
CATEGORY_PRIORITY: tuple[SafetyCategory, ...] = (
    SafetyCategory.EXTREMISM_86A,
    SafetyCategory.SELF_HARM,
    SafetyCategory.SEXUAL,
    SafetyCategory.HATE,
    SafetyCategory.VIOLENCE,
    SafetyCategory.WEAPONS,
    SafetyCategory.DRUGS,
    SafetyCategory.HORROR,
    SafetyCategory.SWEARING,
    SafetyCategory.OTHER,
)


def most_serious(categories: list[SafetyCategory]) -> SafetyCategory:
    """The category an explanation should name; `other` when there is none."""
    present = set(categories)
    for category in CATEGORY_PRIORITY:
        if category in present:
            return category
    return SafetyCategory.OTHER
