"""Request bodies are validated by pydantic models; a bad body is a 400 that names the field."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from server.errors import AppError, ErrorKind

M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M]) -> M:
    if not request.is_json:
        raise AppError("body_not_json", ErrorKind.INVALID_INPUT)
    payload = request.get_json(silent=True)
    if payload is None:
        raise AppError("body_not_json", ErrorKind.INVALID_INPUT)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "-"
        raise AppError(
            "body_invalid_field",
            ErrorKind.INVALID_INPUT,
            field=field,
            detail=first["msg"].removeprefix("Value error, "),
        ) from exc
