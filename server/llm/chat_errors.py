"""Typed failures of an LLM call.

Every failure carries a message code (texts in ``server/i18n/messages/llm.json``, German and English)
and the parameters the text needs, so the UI can show a plain sentence in the user's language. The
``detail`` is for logs only (provider wording, HTTP status) and has already been scrubbed of the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from server.errors import AppError, ErrorKind

MessageParam = str | int | float


class LlmError(AppError):
    """Base of every failure the chat client or the built-in engine reports.

    An ``AppError``, so jobs and the API turn it into a plain message like any other fixable failure.
    """

    default_message_code: ClassVar[str] = "llm.unknown_error"

    def __init__(
        self, params: Mapping[str, MessageParam], detail: str = "", message_code: str | None = None
    ) -> None:
        self.message_code = message_code or self.default_message_code
        self.detail = detail
        super().__init__(self.message_code, ErrorKind.UNAVAILABLE, **params)
        self.params: dict[str, MessageParam] = dict(params)  # type: ignore[assignment]
        self.args = (self._log_text(),)

    def _log_text(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in sorted(self.params.items()))
        text = f"{self.message_code} ({shown})"
        return f"{text}: {self.detail}" if self.detail else text


class ServerUnreachableError(LlmError):
    """Connection refused, host name unknown, network down."""

    default_message_code = "llm.server_unreachable"


class OfflineRefusedError(LlmError):
    """Offline mode refused the connection before it was attempted (the server is not this computer)."""

    default_message_code = "network_offline_blocked"


class KeyOnlyForProviderError(LlmError):
    """A stored key would go to another address than its provider's; it never does."""

    default_message_code = "llm.key_only_for_provider"


class InvalidBaseUrlError(LlmError):
    """The configured address is not an http(s) URL."""

    default_message_code = "llm.invalid_base_url"


class EndpointNotFoundError(LlmError):
    """The server answers, but not as an OpenAI-compatible API at this URL (usually a wrong base URL)."""

    default_message_code = "llm.endpoint_not_found"


class AuthenticationFailedError(LlmError):
    """401/403: the key is missing, wrong or lacks permission."""

    default_message_code = "llm.auth_failed"


class NoCreditError(LlmError):
    """402 or OpenAI's ``insufficient_quota``: the account has no credit left."""

    default_message_code = "llm.no_credit"


class RateLimitedError(LlmError):
    """429: too many requests; ``retry_after_s`` when the provider said how long to wait."""

    default_message_code = "llm.rate_limited"

    def __init__(
        self, params: Mapping[str, MessageParam], detail: str = "", retry_after_s: float | None = None
    ) -> None:
        self.retry_after_s = retry_after_s
        merged = dict(params)
        code = None
        if retry_after_s is not None:
            merged["retry_after_s"] = max(1, round(retry_after_s))
            # A second text that tells the user how long to wait.
            code = "llm.rate_limited_retry_after"
        super().__init__(merged, detail, code)


class ModelNotFoundError(LlmError):
    """The provider does not know the requested model (or it is not downloaded/loaded)."""

    default_message_code = "llm.model_not_found"


class ConnectTimeoutError(LlmError):
    """No connection could be opened within the connect timeout."""

    default_message_code = "llm.connect_timeout"


class ReadTimeoutError(LlmError):
    """Connected, but the server sent nothing within the read timeout."""

    default_message_code = "llm.read_timeout"


class GarbageAnswerError(LlmError):
    """The answer is not what the OpenAI-compatible API promises (not JSON, no choices, ...)."""

    default_message_code = "llm.garbage_answer"


class BrokenStreamError(LlmError):
    """A streamed answer broke off before its end marker."""

    default_message_code = "llm.broken_stream"


class ContentRefusedError(LlmError):
    """The provider's own content filter refused the request or the answer."""

    default_message_code = "llm.content_refused"


class ServerError(LlmError):
    """5xx: the provider failed on its side."""

    default_message_code = "llm.server_error"


class RequestRejectedError(LlmError):
    """Any other 4xx: the provider rejected the request (e.g. the text is too long for the model)."""

    default_message_code = "llm.request_rejected"


class ChatCancelledError(Exception):
    """The caller cancelled a streamed answer; not a failure, so not an ``LlmError``."""


class UnknownProviderError(LlmError):
    """A setting names a provider that is not among the presets."""

    default_message_code = "llm.unknown_provider"


class KeyMissingError(LlmError):
    """The provider needs an API key and none is stored."""

    default_message_code = "llm.key_missing"


class BaseUrlMissingError(LlmError):
    """A custom provider was chosen without a server address."""

    default_message_code = "llm.base_url_missing"


class EngineNotInstalledError(LlmError):
    """The built-in engine's package (llama-cpp-python) is not installed."""

    default_message_code = "llm.engine_not_installed"


class EngineModelMissingError(LlmError):
    """The GGUF file the built-in engine should load does not exist."""

    default_message_code = "llm.engine_model_missing"


class EngineFailedError(LlmError):
    """The built-in engine would not start or keeps crashing; ``log_tail`` has its last log lines."""

    default_message_code = "llm.engine_failed"
