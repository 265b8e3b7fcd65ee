"""Turn a provider's error answer into one of our typed errors.

Providers answer failures in different documented shapes:
- OpenAI, LM Studio, Ollama (``/v1``): ``{"error": {"message", "type", "param", "code"}}``
- OpenRouter: ``{"error": {"code": <int>, "message", "metadata": {...}}}`` (also inside a stream)
- llama.cpp server: ``{"error": {"code": <int>, "message", "type"}}``
- Mistral: ``{"object": "error", "message", "type", "param", "code"}`` or ``{"message": ...}``
- older servers: ``{"error": "<text>"}``; FastAPI-based ones (llama-cpp-python): ``{"detail": ...}``
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from server.llm.chat_errors import (
    AuthenticationFailedError,
    ContentRefusedError,
    EndpointNotFoundError,
    LlmError,
    MessageParam,
    ModelNotFoundError,
    NoCreditError,
    RateLimitedError,
    RequestRejectedError,
    ServerError,
)

_DETAIL_LIMIT = 300

# Anything that looks like a bearer key, even one we were not given (a provider may echo another).
_KEY_PATTERN = re.compile(r"\b(sk|pk|rk|or|key)[-_][A-Za-z0-9_\-]{6,}", re.IGNORECASE)

_MODEL_MISSING = re.compile(
    r"(model\b.*\b(not found|does not exist|doesn't exist|not exist|is not available|unknown|not loaded)"
    r"|invalid model|unknown model|no such model|no models? loaded|pull(ing)? it first)",
    re.IGNORECASE,
)
_NO_CREDIT = re.compile(r"(insufficient[_ ](quota|credits?|balance)|credit balance|out of credits)", re.I)
_REFUSED = re.compile(
    r"(content[_ ]policy|content[_ ]filter|safety system|moderation|flagged)", re.IGNORECASE
)

_MODEL_NOT_FOUND_CODES = {"model_not_found", "invalid_model"}
_NO_CREDIT_CODES = {"insufficient_quota", "insufficient_credits", "billing_hard_limit_reached"}
# moderation_blocked: the Images API (gpt-image-1) refusing a prompt or a picture.
_REFUSED_CODES = {"content_policy_violation", "content_filter", "moderation", "moderation_blocked", "refusal"}


@dataclass(frozen=True)
class ProviderErrorBody:
    """What we could read from an error answer; every field may be empty."""

    message: str = ""
    type: str = ""
    code: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    is_structured: bool = False

    def tokens(self) -> set[str]:
        return {self.type.lower(), self.code.lower()} - {""}


def scrub_secret(text: str, secret: str | None) -> str:
    """Remove the key (and anything key-shaped) from a text meant for logs."""
    if secret:
        text = text.replace(secret, "***")
    return _KEY_PATTERN.sub("***", text)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def parse_error_body(raw: str | bytes) -> ProviderErrorBody:
    """Read any of the documented error shapes; a non-JSON body becomes its (shortened) text."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        data = json.loads(text)
    except ValueError:
        return ProviderErrorBody(message=text.strip()[:_DETAIL_LIMIT])
    return parse_error_object(data)


def parse_error_object(data: object) -> ProviderErrorBody:
    if not isinstance(data, dict):
        return ProviderErrorBody(message=_text(data)[:_DETAIL_LIMIT])
    error = data.get("error")
    if isinstance(error, dict):
        metadata = error.get("metadata")
        return ProviderErrorBody(
            message=_text(error.get("message")),
            type=_text(error.get("type")),
            code=_text(error.get("code")),
            metadata=metadata if isinstance(metadata, dict) else {},
            is_structured=True,
        )
    if isinstance(error, str):
        return ProviderErrorBody(message=error, is_structured=True)
    if "message" in data:
        return ProviderErrorBody(
            message=_text(data.get("message")),
            type=_text(data.get("type")),
            code=_text(data.get("code")),
            is_structured=True,
        )
    if "detail" in data:
        return ProviderErrorBody(message=_text(data.get("detail")), is_structured=True)
    return ProviderErrorBody(message=_text(data)[:_DETAIL_LIMIT])


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds)


def looks_like_model_missing(body: ProviderErrorBody) -> bool:
    if body.tokens() & _MODEL_NOT_FOUND_CODES:
        return True
    return bool(_MODEL_MISSING.search(body.message))


def looks_like_refusal(body: ProviderErrorBody) -> bool:
    if body.tokens() & _REFUSED_CODES:
        return True
    # OpenRouter's moderation errors carry why the input was flagged.
    if "reasons" in body.metadata or "flagged_input" in body.metadata:
        return True
    return bool(_REFUSED.search(body.message))


def looks_like_no_credit(body: ProviderErrorBody) -> bool:
    if body.tokens() & _NO_CREDIT_CODES:
        return True
    return bool(_NO_CREDIT.search(body.message))


def error_for_status(
    status: int,
    body: ProviderErrorBody,
    params: Mapping[str, MessageParam],
    secret: str | None,
    retry_after: str | None = None,
) -> LlmError:
    """Map an HTTP error status plus what the body says to the typed error a person can act on."""
    detail = scrub_secret(
        f"HTTP {status}; type={body.type or '-'}; code={body.code or '-'}; {body.message}", secret
    )[:_DETAIL_LIMIT]
    with_status = {**params, "status": status}
    # Content refusals and missing credit are told apart from their status first: OpenAI says
    # insufficient_quota with 429, OpenRouter moderation uses 403, OpenAI content_policy_violation 400.
    if looks_like_refusal(body) and status in (400, 403, 422):
        return ContentRefusedError(params, detail)
    if status == 402 or looks_like_no_credit(body):
        return NoCreditError(params, detail)
    if status in (401, 403):
        return AuthenticationFailedError(params, detail)
    if status == 429:
        return RateLimitedError(params, detail, parse_retry_after(retry_after))
    if status == 404:
        if looks_like_model_missing(body):
            return ModelNotFoundError(params, detail)
        # A 404 without a model complaint: the URL does not lead to the API (e.g. ``/v1`` missing).
        return EndpointNotFoundError(params, detail)
    if 400 <= status < 500:
        if looks_like_model_missing(body):
            return ModelNotFoundError(params, detail)
        return RequestRejectedError(with_status, detail)
    if status >= 500 and looks_like_model_missing(body):
        return ModelNotFoundError(params, detail)
    return ServerError(with_status, detail)


def error_for_stream_event(
    body: ProviderErrorBody, params: Mapping[str, MessageParam], secret: str | None
) -> LlmError:
    """An error sent inside a 200 stream (OpenRouter, OpenAI): classify by its code if it has one."""
    status = 500
    if body.code.isdigit():
        status = int(body.code)
    elif looks_like_refusal(body):
        status = 403
    return error_for_status(status, body, params, secret)
