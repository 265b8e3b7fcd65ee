"""The LLM verdict parser: exactly a verdict, or a VerdictParseError the caller fails closed on."""

from __future__ import annotations

import pytest

from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.verdict import VerdictParseError, VerdictProblem, parse_verdict

SAFE = '{"safe": true, "category": null, "reason": "A friendly street party."}'
UNSAFE = '{"safe": false, "category": "extremism_86a", "reason": "Nazi slogan."}'


def test_plain_json() -> None:
    verdict = parse_verdict(SAFE)
    assert verdict.safe is True
    assert verdict.category is None
    assert verdict.reason == "A friendly street party."


def test_unsafe_with_category() -> None:
    verdict = parse_verdict(UNSAFE)
    assert verdict.safe is False
    assert verdict.category is SafetyCategory.EXTREMISM_86A


@pytest.mark.parametrize(
    "answer",
    [
        f"```json\n{UNSAFE}\n```",
        f"```JSON\n{UNSAFE}\n```",
        f"```\n{UNSAFE}\n```",
        f"  \n```json\n  {UNSAFE}  \n```\n\n",
        f"\n\n   {UNSAFE}   \n",
        '{\n  "safe": false,\n  "category": "extremism_86a",\n  "reason": "Nazi slogan."\n}',
    ],
)
def test_fenced_or_padded_json(answer: str) -> None:
    assert parse_verdict(answer).category is SafetyCategory.EXTREMISM_86A


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("", VerdictProblem.EMPTY),
        ("   \n ", VerdictProblem.EMPTY),
        ("Yes, this is safe.", VerdictProblem.NOT_JSON),
        (f"Sure! Here is my verdict: {SAFE}", VerdictProblem.NOT_JSON),
        (f"{SAFE}\nI hope this helps.", VerdictProblem.NOT_JSON),
        (f"```json\n{SAFE}\n``` and more", VerdictProblem.NOT_JSON),
        (f"{SAFE}{SAFE}", VerdictProblem.NOT_JSON),
        ("```json\n```", VerdictProblem.NOT_JSON),
        ('{"safe": true, "category": null, "reason": "x"', VerdictProblem.NOT_JSON),
        ("[true]", VerdictProblem.NOT_AN_OBJECT),
        ("true", VerdictProblem.NOT_AN_OBJECT),
        ('"safe"', VerdictProblem.NOT_AN_OBJECT),
        ('{"safe": true, "safe": false, "category": null, "reason": ""}', VerdictProblem.DUPLICATE_FIELD),
        ('{"safe": true, "category": null, "reason": "", "confidence": 0.9}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": true, "category": null}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": true, "reason": "ok"}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": "true", "category": null, "reason": "ok"}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": 1, "category": null, "reason": "ok"}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": null, "category": null, "reason": "ok"}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": true, "category": null, "reason": 42}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": false, "category": "nudity", "reason": "x"}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": false, "category": "Violence", "reason": "x"}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": false, "category": null, "reason": "unsafe but why"}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": true, "category": "violence", "reason": "contradiction"}', VerdictProblem.WRONG_SHAPE),
        ('{"safe": true, "category": "none", "reason": "x"}', VerdictProblem.WRONG_SHAPE),
        ('{"Safe": true, "category": null, "reason": "x"}', VerdictProblem.WRONG_SHAPE),
        ("{" + '"reason": "' + "x" * 5000 + '"}', VerdictProblem.TOO_LONG),
    ],
)
def test_anything_else_is_a_distinct_error(answer: str, problem: VerdictProblem) -> None:
    with pytest.raises(VerdictParseError) as caught:
        parse_verdict(answer)
    assert caught.value.problem is problem
    assert "not a verdict" in str(caught.value)
    assert len(caught.value.excerpt) <= 201


def test_error_names_the_wrong_field() -> None:
    with pytest.raises(VerdictParseError) as caught:
        parse_verdict('{"safe": "yes", "category": null, "reason": "x"}')
    assert "safe" in caught.value.detail
