"""The one error type the domain raises for things a person can fix.

It carries a message code and the facts (params) needed to explain it; the API layer turns it into
``{"error": {"code", "message"}}`` in the user's language. Programming errors stay ordinary exceptions
and end up in the log, never as a stack trace in the UI.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    # The request's login is no longer valid (a student removed from the class, or the class closed).
    UNAUTHORIZED = "unauthorized"
    UNAVAILABLE = "unavailable"
    # Asked too often (e.g. wrong teacher PINs); params["seconds"] says how long to wait.
    TOO_MANY_REQUESTS = "too_many_requests"
    FAILED = "failed"


class AppError(Exception):
    def __init__(self, code: str, kind: ErrorKind = ErrorKind.FAILED, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.kind = kind
        self.params: dict[str, object] = params

    def __repr__(self) -> str:
        return f"AppError({self.code!r}, {self.kind.value}, {self.params!r})"
