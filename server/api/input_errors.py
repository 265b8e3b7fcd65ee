"""A pydantic ValidationError of a body or a query as the AppError a person reads (a 400)."""

from __future__ import annotations

from pydantic import ValidationError

from server.errors import AppError, ErrorKind

# A pydantic error type with this prefix is a message code in server/i18n/messages/ (our own checks,
# e.g. a seed's range, with a text in both languages); others are framed by the general code.
OWN_ERROR_PREFIX = "input_"


def invalid_input(exc: ValidationError, general_code: str) -> AppError:
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "-"
    if first["type"].startswith(OWN_ERROR_PREFIX):
        facts = first.get("ctx", {})
        return AppError(first["type"], ErrorKind.INVALID_INPUT, field=field, **facts)
    detail = first["msg"].removeprefix("Value error, ")
    return AppError(general_code, ErrorKind.INVALID_INPUT, field=field, detail=detail)
