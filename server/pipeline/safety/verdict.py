"""The strict JSON verdict the LLM safety check must answer, and its parser.

Anything that is not exactly a verdict is a VerdictParseError, never a guess: at `kids` and
`youth` the caller fails closed on it, so a confused or tiny model can stop a run but never let
one through.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from server.pipeline.safety.categories import SafetyCategory

# A model may wrap its JSON in a Markdown fence; nothing else around it is accepted.
_FENCE = re.compile(r"\A```(?:json|JSON)?[ \t]*\n(?P<body>.*?)\n?[ \t]*```\Z", re.DOTALL)
MAX_ANSWER_CHARS = 4000
_EXCERPT_CHARS = 200


class SafetyVerdict(BaseModel):
    """`{"safe": true, "category": null, "reason": "..."}` or `{"safe": false, "category": "hate", ...}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Strict types: "true" or 1 is not a yes, and a number is not a reason.
    safe: StrictBool
    category: SafetyCategory | None
    reason: Annotated[StrictStr, StringConstraints(max_length=1000)]

    @model_validator(mode="after")
    def _category_matches_safe(self) -> SafetyVerdict:
        if self.safe and self.category is not None:
            raise ValueError("a safe verdict must have category null")
        if not self.safe and self.category is None:
            raise ValueError("an unsafe verdict must name a category")
        return self


class VerdictProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_JSON = "not_json"
    NOT_AN_OBJECT = "not_an_object"
    DUPLICATE_FIELD = "duplicate_field"
    WRONG_SHAPE = "wrong_shape"


class VerdictParseError(Exception):
    """The checker answered something that is not a verdict; the caller fails closed at kids/youth."""

    def __init__(self, problem: VerdictProblem, detail: str, answer: str) -> None:
        excerpt = answer[:_EXCERPT_CHARS] + ("…" if len(answer) > _EXCERPT_CHARS else "")
        super().__init__(f"The safety check answered something that is not a verdict ({detail}): {excerpt!r}")
        self.problem = problem
        self.detail = detail
        self.excerpt = excerpt


class _DuplicateFieldError(ValueError):
    pass


def parse_verdict(answer: str) -> SafetyVerdict:
    """The verdict in `answer` (bare JSON, or JSON in one ```json fence, whitespace around either)."""
    text = answer.strip()
    if not text:
        raise VerdictParseError(VerdictProblem.EMPTY, "the answer is empty", answer)
    if len(text) > MAX_ANSWER_CHARS:
        raise VerdictParseError(VerdictProblem.TOO_LONG, "the answer is far too long for a verdict", answer)
    fenced = _FENCE.match(text)
    if fenced is not None:
        text = fenced.group("body").strip()
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicate_fields)
    except _DuplicateFieldError as error:
        raise VerdictParseError(VerdictProblem.DUPLICATE_FIELD, str(error), answer) from error
    except json.JSONDecodeError as error:
        raise VerdictParseError(VerdictProblem.NOT_JSON, f"not JSON: {error.msg}", answer) from error
    if not isinstance(data, dict):
        raise VerdictParseError(VerdictProblem.NOT_AN_OBJECT, "the JSON is not an object", answer)
    try:
        return SafetyVerdict.model_validate(data)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(part) for part in detail['loc']) or 'verdict'}: {detail['msg']}"
            for detail in error.errors()
        )
        raise VerdictParseError(VerdictProblem.WRONG_SHAPE, details, answer) from error


def _reject_duplicate_fields(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # {"safe": false, "safe": true} must not quietly become whichever came last.
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateFieldError(f"the field '{key}' appears twice")
        result[key] = value
    return result


def verdict_json_schema() -> dict[str, object]:
    """The verdict as a JSON schema, for providers that can constrain their answer to one.

    Two branches make "safe needs category null, unsafe needs a category" part of the grammar, so
    even a small local model cannot produce a self-contradicting verdict.
    """

    def branch(safe: bool, category: dict[str, object]) -> dict[str, object]:
        return {
            "type": "object",
            "properties": {
                "safe": {"const": safe},
                "category": category,
                "reason": {"type": "string", "maxLength": 300},
            },
            "required": ["safe", "category", "reason"],
            "additionalProperties": False,
        }

    categories = [category.value for category in SafetyCategory]
    return {"oneOf": [branch(True, {"type": "null"}), branch(False, {"enum": categories})]}
