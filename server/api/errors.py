"""Every failure of an /api request becomes ``{"error": {"code", "message"}}`` in the user's language."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from server.api.answers import ApiErrorBody, ErrorDetail
from server.api.contract import answer
from server.api.messages import LocalizedMessages
from server.errors import AppError, ErrorKind

log = logging.getLogger(__name__)

STATUS_BY_KIND = {
    ErrorKind.INVALID_INPUT: 400,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_MANY_REQUESTS: 429,
    ErrorKind.FAILED: 500,
    ErrorKind.UNAVAILABLE: 503,
}

# Werkzeug's own errors mapped to our message codes; anything else is "http_error".
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
}


def error_response(
    messages: LocalizedMessages, code: str, status: int, params: dict[str, object] | None = None
) -> tuple[Response, int]:
    return answer(ApiErrorBody(error=ErrorDetail(code=code, message=messages.text(code, params))), status)


def register_error_handlers(app: Flask, messages: LocalizedMessages) -> None:
    @app.errorhandler(AppError)
    def _app_error(error: AppError) -> tuple[Response, int]:
        status = STATUS_BY_KIND[error.kind]
        log.info("request %s %s failed: %r", request.method, request.path, error)
        response, status = error_response(messages, error.code, status, error.params)
        if error.kind is ErrorKind.TOO_MANY_REQUESTS and "seconds" in error.params:
            response.headers["Retry-After"] = str(error.params["seconds"])
        return response, status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> WerkzeugResponse | tuple[Response, int]:
        status = error.code or 500
        if not request.path.startswith("/api/"):
            return error.get_response()
        params: dict[str, object] = {"status": status}
        if status == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
            params["limit_mb"] = limit // (1024 * 1024)
        return error_response(messages, HTTP_CODES.get(status, "http_error"), status, params)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response, int]:
        # The detail belongs in the log; the person gets a sentence they can act on.
        log.exception("unexpected error in %s %s", request.method, request.path, exc_info=error)
        return error_response(messages, "internal_error", 500)
