"""Query parameters are validated by pydantic models, like bodies; a bad value is a 400 naming it."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from server.api.input_errors import invalid_input

Q = TypeVar("Q", bound=BaseModel)


def parse_query(model: type[Q]) -> Q:
    """Query parameters through a pydantic model; empty values count as absent."""
    values = {key: value for key, value in request.args.items() if value != ""}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid_input(exc, "query_invalid_field") from exc
