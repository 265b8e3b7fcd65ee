"""A broken catalog file, described so a teacher (or a config author) can fix it."""

from __future__ import annotations

import json
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError


class ProblemCode(StrEnum):
    UNREADABLE = "catalog_unreadable"
    INVALID_JSON = "catalog_invalid_json"
    MISSING_FIELD = "catalog_missing_field"
    UNKNOWN_FIELD = "catalog_unknown_field"
    INVALID_VALUE = "catalog_invalid_value"
    UNKNOWN_CHUNK = "catalog_unknown_chunk"
    WRONG_CHUNK_KIND = "catalog_wrong_chunk_kind"
    UNKNOWN_MEDIA_TYPE = "catalog_unknown_media_type"
    UNKNOWN_MODEL = "catalog_unknown_model"
    UNKNOWN_NODE = "catalog_unknown_node"
    UNKNOWN_NODE_INPUT = "catalog_unknown_node_input"
    BROKEN_LINK = "catalog_broken_link"
    UNKNOWN_LANGUAGE = "catalog_unknown_language"
    MISSING_DEFAULT = "catalog_missing_default"
    DUPLICATE_ATTITUDE = "catalog_duplicate_attitude"


class CatalogProblem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str  # relative to the app's resource folder, e.g. "configs/output/flux.json"
    field: str | None
    code: ProblemCode
    params: dict[str, str] = {}


def problems_from_validation(
    file: str, error: ValidationError, union_tags: frozenset[str]
) -> list[CatalogProblem]:
    """One problem per pydantic error, with the field as a dotted path.

    ``union_tags`` are discriminator values that pydantic inserts into the location of a tagged union
    ('comfyui' in ('comfyui', 'workflow')); they are not fields of the file and are dropped.
    """
    problems = []
    for item in error.errors(include_url=False):
        location = [str(part) for part in item["loc"]]
        if location and location[0] in union_tags:
            location = location[1:]
        field = ".".join(location) or None
        kind = item["type"]
        params: dict[str, str] = {}
        if kind == "missing":
            code = ProblemCode.MISSING_FIELD
        elif kind == "extra_forbidden":
            code = ProblemCode.UNKNOWN_FIELD
        else:
            code, params = ProblemCode.INVALID_VALUE, {"detail": _plain_detail(item["msg"])}
        problems.append(CatalogProblem(file=file, field=field, code=code, params=params))
    return problems


def problem_from_json_error(file: str, error: json.JSONDecodeError) -> CatalogProblem:
    return CatalogProblem(
        file=file,
        field=None,
        code=ProblemCode.INVALID_JSON,
        params={"line": str(error.lineno), "column": str(error.colno), "detail": error.msg},
    )


def _plain_detail(message: str) -> str:
    # pydantic prefixes errors from our own validators with "Value error, "; the rest is already plain.
    return message.removeprefix("Value error, ")
