"""Sends a cloud chunk's request to its provider and reads the media files from the answer.

One job's request: the key only in the Authorization header (never in the record, a log line or an
error), progress states while the provider works, and cancel that aborts the connection at once. Every
failure leaves as an ``AppError`` with a plain message (``server/cloud/errors.py``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from server.catalog.models import CloudChunk, OutputBackend
from server.cloud.errors import NoMediaError, cloud_error
from server.cloud.request_abort import RequestAbort
from server.cloud.response_mapping import CloudMedia, UnreadableMediaError, extract_media
from server.errors import AppError, ErrorKind
from server.llm.chat_errors import (
    ConnectTimeoutError,
    ContentRefusedError,
    GarbageAnswerError,
    LlmError,
    MessageParam,
    OfflineRefusedError,
    ReadTimeoutError,
    ServerUnreachableError,
)
from server.llm.network_addresses import display_host
from server.llm.provider_error_parsing import (
    error_for_status,
    error_for_stream_event,
    parse_error_body,
    parse_error_object,
    scrub_secret,
)
from server.llm.provider_presets import ProviderPreset
from server.llm.provider_registry import ProviderRegistry
from server.network.http_clients import HttpClients
from server.network.policy import OfflineBlockedError

log = logging.getLogger(__name__)

# A 4K PNG in base64 is about 30 MB; anything far beyond that is not a picture we asked for.
MAX_ANSWER_BYTES = 96 * 1024 * 1024
_MAX_ERROR_BODY = 64 * 1024

# Progress states a job reports while it waits for the provider, from httpcore's trace events.
_STATES = {
    "connection.connect_tcp.started": "connecting",
    "http11.send_request_headers.started": "sending",
    "http11.send_request_body.complete": "waiting",
    "http11.receive_response_headers.complete": "receiving",
}
# Why a model answered without a picture, in OpenRouter's (and Google's) words for a refusal.
_REFUSAL_REASONS = ("content_filter", "safety", "prohibited", "blocklist", "spii", "recitation", "refus")


class CloudCancelledError(Exception):
    """The job was cancelled while the provider worked; the connection is closed."""


@dataclass(frozen=True)
class CloudCall:
    """Everything that is sent, except the key (which is added only when the request leaves)."""

    provider: ProviderPreset
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    timeout_s: float

    def record(self) -> dict[str, object]:
        """The exact request for the run record: method, address, headers and body, but no key."""
        return {
            "provider": self.provider.id,
            "method": "POST",
            "url": self.url,
            "headers": dict(self.headers),
            "body": json.loads(json.dumps(self.body)),
        }


@dataclass
class CloudJobHooks:
    """How a call talks to its job: state changes, the cancel flag, and a cancel callback."""

    on_state: Callable[[str], None] = lambda _state: None
    cancelled: Callable[[], bool] = lambda: False
    # Registers a callback for a cancel; returns a function that removes it (JobContext.on_cancel).
    on_cancel: Callable[[Callable[[], None]], Callable[[], None]] = field(
        default=lambda _callback: lambda: None
    )


class CloudMediaClient:
    def __init__(self, registry: ProviderRegistry, clients: HttpClients) -> None:
        self._registry = registry
        self._clients = clients

    def prepare(
        self, backend: OutputBackend, chunk: CloudChunk, body: dict[str, Any], output: str
    ) -> CloudCall:
        """The call for an output; raises AppError when its provider is unknown."""
        try:
            preset = self._registry.preset(backend.value)
        except LlmError as error:
            raise cloud_error(error, output) from None
        if preset.base_url is None:
            raise AppError(
                "cloud.provider_missing", ErrorKind.UNAVAILABLE, provider=backend.value, output=output
            )
        headers = {"Content-Type": "application/json", "Accept": "application/json", **preset.extra_headers}
        return CloudCall(
            provider=preset,
            url=f"{preset.base_url.rstrip('/')}/{chunk.endpoint}",
            headers=headers,
            body=body,
            timeout_s=chunk.timeout_s,
        )

    def send(self, call: CloudCall, chunk: CloudChunk, output: str, hooks: CloudJobHooks) -> list[CloudMedia]:
        """The media of the answer (at least one file); raises AppError or CloudCancelledError."""
        preset = call.provider
        label = preset.label or display_host(call.url)
        params: dict[str, MessageParam] = {"provider": label, "host": display_host(call.url)}
        model = call.body.get("model")
        if isinstance(model, str):
            params["model"] = model
        try:
            key = self._registry.api_key(preset, preset.base_url or "")
            status, headers, content = self._post(call, key, hooks, params)
            if status != 200:
                raise self._status_error(status, headers, content, params, key, call)
            return self._media(content, chunk, params, key)
        except LlmError as error:
            log.warning("cloud output %r via %s failed: %s", output, preset.id, error)
            raise cloud_error(error, output) from None

    # ------------------------------------------------------------------ internals

    def _post(
        self,
        call: CloudCall,
        key: str | None,
        hooks: CloudJobHooks,
        params: dict[str, MessageParam],
    ) -> tuple[int, httpx.Headers, bytes]:
        last_state: list[str] = []

        def on_event(name: str) -> None:
            state = _STATES.get(name)
            if state is not None and (not last_state or last_state[-1] != state):
                last_state.append(state)
                hooks.on_state(state)

        abort = RequestAbort(on_event)
        remove = hooks.on_cancel(abort.abort)
        headers = dict(call.headers)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        timeouts = call.provider.timeouts
        timeout = httpx.Timeout(
            connect=timeouts.connect_s, read=call.timeout_s, write=timeouts.write_s, pool=timeouts.connect_s
        )
        try:
            if hooks.cancelled():
                raise CloudCancelledError
            # One client per call: its connection is the one a cancel shuts down.
            with (
                self._clients.client(call.url, timeout=timeout) as http,
                http.stream(
                    "POST", call.url, json=call.body, headers=headers, extensions={"trace": abort.trace}
                ) as response,
            ):
                limit = MAX_ANSWER_BYTES if response.status_code == 200 else _MAX_ERROR_BODY
                pieces: list[bytes] = []
                size = 0
                for piece in response.iter_bytes():
                    if abort.aborted or hooks.cancelled():
                        raise CloudCancelledError
                    size += len(piece)
                    if size > limit:
                        if response.status_code != 200:
                            break  # an error's first 64 KB say enough
                        raise GarbageAnswerError(params, f"answer larger than {MAX_ANSWER_BYTES} bytes")
                    pieces.append(piece)
                return response.status_code, response.headers, b"".join(pieces)
        except httpx.HTTPError as exc:
            if abort.aborted or hooks.cancelled():
                raise CloudCancelledError from None
            raise _transport_error(exc, call, params, key) from None
        finally:
            remove()

    def _status_error(
        self,
        status: int,
        headers: httpx.Headers,
        content: bytes,
        params: dict[str, MessageParam],
        key: str | None,
        call: CloudCall,
    ) -> LlmError:
        body = parse_error_body(content[:_MAX_ERROR_BODY])
        if status == 408:
            # OpenRouter: the model took too long.
            return ReadTimeoutError(
                {**params, "timeout_s": round(call.timeout_s)}, scrub_secret(f"HTTP 408: {body.message}", key)
            )
        return error_for_status(status, body, params, key, headers.get("retry-after"))

    def _media(
        self, content: bytes, chunk: CloudChunk, params: dict[str, MessageParam], key: str | None
    ) -> list[CloudMedia]:
        try:
            answer = json.loads(content)
        except ValueError:
            text = content[:200].decode("utf-8", "replace")
            raise GarbageAnswerError(params, scrub_secret(f"answer is not JSON: {text!r}", key)) from None
        try:
            media = extract_media(answer, chunk.response)
        except UnreadableMediaError as exc:
            raise GarbageAnswerError(params, str(exc)) from None
        if media:
            return media
        if isinstance(answer, dict) and "error" in answer:
            # OpenRouter reports a failure that happened after the request was accepted inside a 200.
            raise error_for_stream_event(parse_error_object(answer), params, key)
        why = _why_no_media(answer)
        if why is not None:
            raise ContentRefusedError(params, scrub_secret(why, key))
        raise NoMediaError(params, scrub_secret(f"no media in the answer: {content[:300]!r}", key))


def _transport_error(
    exc: httpx.HTTPError, call: CloudCall, params: dict[str, MessageParam], key: str | None
) -> LlmError:
    detail = scrub_secret(f"{type(exc).__name__}: {exc}", key)
    if isinstance(exc, OfflineBlockedError):
        return OfflineRefusedError({**params, "host": exc.host}, detail)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return ConnectTimeoutError({**params, "timeout_s": round(call.provider.timeouts.connect_s)}, detail)
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return ReadTimeoutError({**params, "timeout_s": round(call.timeout_s)}, detail)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return GarbageAnswerError(params, detail)
    return ServerUnreachableError(params, detail)


def _why_no_media(answer: object) -> str | None:
    """The refusal behind an answer without a picture, if the answer says so."""
    choices = answer.get("choices") if isinstance(answer, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    assert isinstance(message, dict)
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal:
        return f"refusal: {refusal[:200]}"
    for key in ("finish_reason", "native_finish_reason"):
        reason = choice.get(key)
        if isinstance(reason, str) and any(word in reason.lower() for word in _REFUSAL_REASONS):
            return f"{key}={reason}"
    return None
