"""Request bodies are validated by pydantic models; a bad body is a 400 that names the field.

This is the one place a request body is read as JSON. It parses the bytes itself instead of calling
``request.get_json()``: Flask lets a RecursionError from a deeply nested body (``[[[[...]]]]``) escape
as a 500, and it only knows "not JSON", not "too deeply nested".
"""

from __future__ import annotations

import json
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from server.api.input_errors import invalid_input
from server.errors import AppError, ErrorKind

M = TypeVar("M", bound=BaseModel)

# No body the app takes is nested more than a few levels; 64 leaves room and keeps every later walk
# over the data (pydantic, logging, jsonify) far from Python's recursion limit.
MAX_JSON_DEPTH = 64


def parse_body(model: type[M]) -> M:
    if not request.is_json:
        raise AppError("body_not_json", ErrorKind.INVALID_INPUT)
    # Reading the data enforces MAX_CONTENT_LENGTH (413 before anything is parsed).
    payload = _load_json(request.get_data(cache=True))
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise invalid_input(exc, "body_invalid_field") from exc


def _load_json(data: bytes) -> object:
    try:
        payload: object = json.loads(data)
    except RecursionError as exc:
        raise AppError("body_too_deep", ErrorKind.INVALID_INPUT, depth=MAX_JSON_DEPTH) from exc
    except ValueError as exc:  # also UnicodeDecodeError and an integer of more than 4300 digits
        raise AppError("body_not_json", ErrorKind.INVALID_INPUT) from exc
    if payload is None:
        raise AppError("body_not_json", ErrorKind.INVALID_INPUT)
    if _depth_exceeds(payload, MAX_JSON_DEPTH):
        raise AppError("body_too_deep", ErrorKind.INVALID_INPUT, depth=MAX_JSON_DEPTH)
    return payload


def _depth_exceeds(payload: object, limit: int) -> bool:
    """True when lists and objects nest deeper than ``limit``; iterative, so it cannot recurse too far."""
    if not isinstance(payload, (dict, list)):
        return False
    pending: list[tuple[dict[str, object] | list[object], int]] = [(payload, 1)]
    while pending:
        container, depth = pending.pop()
        if depth > limit:
            return True
        children = container.values() if isinstance(container, dict) else container
        # Only containers are queued: a long flat list costs one isinstance per item.
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
