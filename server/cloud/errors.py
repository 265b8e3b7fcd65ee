"""A cloud media call's failure in words for the student and the teacher.

The classification (wrong key, no credit, rate limit, refused content, ...) is the LLM client's
(``server/llm/provider_error_parsing.py``), since the providers answer every API in the same shapes;
the texts here name the output, and say what to do about a picture rather than a text.
"""

from __future__ import annotations

from server.errors import AppError, ErrorKind
from server.llm.chat_errors import (
    AuthenticationFailedError,
    BrokenStreamError,
    ConnectTimeoutError,
    ContentRefusedError,
    EndpointNotFoundError,
    GarbageAnswerError,
    InvalidBaseUrlError,
    KeyMissingError,
    KeyOnlyForProviderError,
    LlmError,
    ModelNotFoundError,
    NoCreditError,
    OfflineRefusedError,
    RateLimitedError,
    ReadTimeoutError,
    RequestRejectedError,
    ServerError,
    ServerUnreachableError,
    UnknownProviderError,
)


class NoMediaError(LlmError):
    """The provider answered without a picture and without saying why."""

    default_message_code = "cloud.no_media"


_CODES: tuple[tuple[type[LlmError], str], ...] = (
    (OfflineRefusedError, "network_offline_blocked"),
    (NoMediaError, "cloud.no_media"),
    (KeyMissingError, "cloud.key_missing"),
    (KeyOnlyForProviderError, "llm.key_only_for_provider"),
    (UnknownProviderError, "cloud.provider_missing"),
    (AuthenticationFailedError, "cloud.auth_failed"),
    (NoCreditError, "cloud.no_credit"),
    (ContentRefusedError, "cloud.content_refused"),
    (ConnectTimeoutError, "cloud.connect_timeout"),
    (ReadTimeoutError, "cloud.timeout"),
    (ServerUnreachableError, "cloud.network_down"),
    (ModelNotFoundError, "cloud.model_not_found"),
    (EndpointNotFoundError, "cloud.endpoint_not_found"),
    (InvalidBaseUrlError, "cloud.endpoint_not_found"),
    (ServerError, "cloud.server_error"),
    (RequestRejectedError, "cloud.request_rejected"),
    (GarbageAnswerError, "cloud.garbage_answer"),
    (BrokenStreamError, "cloud.garbage_answer"),
)


def cloud_error(error: LlmError, output: str) -> AppError:
    """The job's error for a failed cloud media call (``error.detail`` stays in the log)."""
    params: dict[str, object] = {**error.params, "output": output}
    if isinstance(error, RateLimitedError):
        code = "cloud.rate_limited" if error.retry_after_s is None else "cloud.rate_limited_retry_after"
        return AppError(code, ErrorKind.UNAVAILABLE, **params)
    for kind, code in _CODES:
        if isinstance(error, kind):
            return AppError(code, ErrorKind.UNAVAILABLE, **params)
    return AppError("cloud.unknown_error", ErrorKind.FAILED, **params)
