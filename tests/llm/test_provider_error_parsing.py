"""The documented error shapes of each provider are read correctly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from server.llm.chat_errors import (
    AuthenticationFailedError,
    ContentRefusedError,
    EndpointNotFoundError,
    LlmError,
    ModelNotFoundError,
    NoCreditError,
    RateLimitedError,
    RequestRejectedError,
    ServerError,
)
from server.llm.provider_error_parsing import (
    error_for_status,
    parse_error_body,
    parse_retry_after,
    scrub_secret,
)

PARAMS = {"provider": "Test", "host": "127.0.0.1:1", "model": "m"}

CASES: list[tuple[str, int, object, type[LlmError]]] = [
    (
        "openai 401",
        401,
        {
            "error": {
                "message": "Incorrect API key",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        },
        AuthenticationFailedError,
    ),
    (
        "openai quota",
        429,
        {
            "error": {
                "message": "You exceeded your current quota",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            }
        },
        NoCreditError,
    ),
    (
        "openai rate",
        429,
        {
            "error": {
                "message": "Rate limit reached",
                "type": "requests",
                "param": None,
                "code": "rate_limit_exceeded",
            }
        },
        RateLimitedError,
    ),
    (
        "openai policy",
        400,
        {
            "error": {
                "message": "rejected by our safety system",
                "type": "invalid_request_error",
                "param": None,
                "code": "content_policy_violation",
            }
        },
        ContentRefusedError,
    ),
    ("openrouter credits", 402, {"error": {"code": 402, "message": "Insufficient credits"}}, NoCreditError),
    (
        "openrouter moderation",
        403,
        {
            "error": {
                "code": 403,
                "message": "Your input was flagged",
                "metadata": {"reasons": ["violence"], "flagged_input": "x"},
            }
        },
        ContentRefusedError,
    ),
    (
        "openrouter key",
        401,
        {"error": {"code": 401, "message": "No auth credentials found"}},
        AuthenticationFailedError,
    ),
    (
        "openrouter no provider",
        503,
        {"error": {"code": 503, "message": "No allowed providers are available"}},
        ServerError,
    ),
    (
        "mistral model",
        400,
        {
            "object": "error",
            "message": "Invalid model: foo",
            "type": "invalid_model",
            "param": None,
            "code": "1500",
        },
        ModelNotFoundError,
    ),
    (
        "mistral unauthorized",
        401,
        {"message": "Unauthorized", "request_id": "abc"},
        AuthenticationFailedError,
    ),
    (
        "mistral 422",
        422,
        {
            "object": "error",
            "message": {"detail": [{"msg": "bad"}]},
            "type": "invalid_request_message_error",
            "param": None,
            "code": None,
        },
        RequestRejectedError,
    ),
    ("ollama native", 404, {"error": "model 'llama3' not found"}, ModelNotFoundError),
    (
        "ollama v1",
        404,
        {
            "error": {
                "message": 'model "llama3" not found, try pulling it first',
                "type": "api_error",
                "param": None,
                "code": None,
            }
        },
        ModelNotFoundError,
    ),
    (
        "llama.cpp loading",
        503,
        {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}},
        ServerError,
    ),
    (
        "llama.cpp 404 route",
        404,
        {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}},
        EndpointNotFoundError,
    ),
    (
        "lm studio model",
        404,
        {
            "error": {
                "message": 'Model "x" not found. Please specify a valid model.',
                "type": "invalid_request_error",
                "param": "model",
                "code": "model_not_found",
            }
        },
        ModelNotFoundError,
    ),
    (
        "lm studio none loaded",
        400,
        {"error": "No models loaded. Please load a model in the developer page."},
        ModelNotFoundError,
    ),
    ("fastapi 404", 404, {"detail": "Not Found"}, EndpointNotFoundError),
    ("html 502", 502, "<html>Bad Gateway</html>", ServerError),
]


@pytest.mark.parametrize(("name", "status", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_documented_shapes(name: str, status: int, body: object, expected: type[LlmError]) -> None:
    raw = body if isinstance(body, str) else json.dumps(body)
    error = error_for_status(status, parse_error_body(raw), PARAMS, secret=None)
    assert type(error) is expected


def test_provider_message_lands_in_the_log_detail_only() -> None:
    body = parse_error_body(json.dumps({"error": {"message": "Rate limit reached for gpt-4o", "code": "x"}}))
    error = error_for_status(429, body, PARAMS, secret=None)
    assert "Rate limit reached for gpt-4o" in error.detail
    assert "Rate limit reached for gpt-4o" not in json.dumps(error.params)


def test_keys_are_scrubbed_from_details() -> None:
    key = "sk-proj-abcdefghijklmnop"
    body = parse_error_body(json.dumps({"error": {"message": f"Incorrect API key provided: {key}"}}))
    error = error_for_status(401, body, PARAMS, secret=key)
    assert key not in error.detail and key not in str(error)
    assert scrub_secret("token sk-other-123456789 here", None) == "token *** here"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("0.5", 0.5), (None, None), ("soon", None), ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0)],
)
def test_retry_after(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == seconds
