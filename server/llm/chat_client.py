"""One chat client for every OpenAI-compatible server (Ollama, LM Studio, llama.cpp, vLLM, OpenRouter,
OpenAI, Mistral, the built-in engine).

It speaks ``POST {base_url}/chat/completions`` (plain and streamed as server-sent events) and
``GET {base_url}/models``. Every failure leaves as a typed ``LlmError``; the key only ever travels in
the Authorization header and never appears in an error, a log line or a repr.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from server.llm.chat_errors import (
    BrokenStreamError,
    ChatCancelledError,
    ConnectTimeoutError,
    ContentRefusedError,
    GarbageAnswerError,
    InvalidBaseUrlError,
    LlmError,
    MessageParam,
    OfflineRefusedError,
    ReadTimeoutError,
    ServerUnreachableError,
)
from server.llm.chat_types import ChatMessage, ChatReply, ChatTimeouts, ModelInfo, SamplingParameters
from server.llm.network_addresses import display_host, is_local_address
from server.llm.provider_error_parsing import (
    error_for_status,
    error_for_stream_event,
    parse_error_body,
    parse_error_object,
    scrub_secret,
)
from server.network.http_clients import HttpClients
from server.network.policy import NetworkPolicy, OfflineBlockedError

_log = logging.getLogger(__name__)

_MAX_ERROR_BODY = 64 * 1024
_MAX_LINES_AFTER_DONE = 16


@runtime_checkable
class CancelSignal(Protocol):
    """Anything with ``is_set()``; a ``threading.Event`` fits."""

    def is_set(self) -> bool: ...


class ChatClient:
    """A configured connection to one OpenAI-compatible server. Thread-safe; close it when done."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        provider_label: str = "",
        extra_headers: Mapping[str, str] | None = None,
        timeouts: ChatTimeouts | None = None,
        transport: httpx.BaseTransport | None = None,
        clients: HttpClients | None = None,
        is_cloud: bool | None = None,
    ) -> None:
        """``clients`` is the app's client factory (offline mode); without it, an unrestricted one is
        built around ``transport`` (tests of the client alone). ``is_cloud``: whether the provider is
        on the internet (None: judged by its address); it only changes how "unreachable" is worded."""
        parts = urlsplit(base_url)
        label = provider_label or base_url
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidBaseUrlError({"provider": label, "base_url": base_url})
        self._base_url = base_url.rstrip("/")
        self._api_key = SecretStr(api_key) if api_key else None
        self._label = label
        self._is_cloud = not is_local_address(base_url) if is_cloud is None else is_cloud
        self._timeouts = timeouts or ChatTimeouts()
        headers = {"Accept": "application/json", **dict(extra_headers or {})}
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        factory = clients or HttpClients(NetworkPolicy.unrestricted(), transport)
        self._http = factory.client(
            base_url,
            headers=headers,
            timeout=httpx.Timeout(
                connect=self._timeouts.connect_s,
                read=self._timeouts.read_s,
                write=self._timeouts.write_s,
                pool=self._timeouts.connect_s,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"ChatClient(base_url={self._base_url!r}, provider={self._label!r}, "
            f"key_set={self._api_key is not None})"
        )

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def provider_label(self) -> str:
        return self._label

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- public calls -------------------------------------------------------------------------

    def complete(
        self,
        model: str,
        messages: Sequence[ChatMessage],
        parameters: SamplingParameters | None = None,
        response_format: Mapping[str, object] | None = None,
    ) -> ChatReply:
        """One answer, not streamed. ``response_format`` asks for JSON where the provider supports it."""
        params = self._params(model)
        body = self._request_body(model, messages, parameters, stream=False)
        if response_format is not None:
            body["response_format"] = dict(response_format)
        try:
            response = self._http.post(f"{self._base_url}/chat/completions", json=body)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, params, streaming=False) from None
        if response.status_code != 200:
            raise self._status_error(response.status_code, response.text, response.headers, params)
        return self._parse_completion(response.text, params)

    def stream(
        self,
        model: str,
        messages: Sequence[ChatMessage],
        parameters: SamplingParameters | None = None,
        cancel: CancelSignal | Callable[[], bool] | None = None,
    ) -> ChatStream:
        """A streamed answer; the request is sent when iteration starts.

        ``cancel`` (an Event or a function returning True) is checked before the request and between
        received chunks; a cancel while the server is still silent takes effect with its next chunk or
        at the read timeout.
        """
        return ChatStream(self, model, messages, parameters, cancel)

    def list_models(self) -> list[ModelInfo]:
        params = self._params("")
        try:
            response = self._http.get(f"{self._base_url}/models")
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, params, streaming=False) from None
        if response.status_code != 200:
            raise self._status_error(response.status_code, response.text, response.headers, params)
        try:
            data = response.json()
        except ValueError:
            raise GarbageAnswerError(
                params, self._scrub(f"models list is not JSON: {response.text[:200]}")
            ) from None
        entries = data.get("data") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise GarbageAnswerError(params, "models list has no 'data' list")
        models: list[ModelInfo] = []
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                owner = entry.get("owned_by")
                models.append(ModelInfo(id=entry["id"], owned_by=owner if isinstance(owner, str) else None))
        return models

    # --- internals used by ChatStream as well -------------------------------------------------

    def _params(self, model: str) -> dict[str, MessageParam]:
        params: dict[str, MessageParam] = {"provider": self._label, "host": display_host(self._base_url)}
        if model:
            params["model"] = model
        return params

    def _scrub(self, text: str) -> str:
        return scrub_secret(text, self._api_key.get_secret_value() if self._api_key else None)

    def _request_body(
        self,
        model: str,
        messages: Sequence[ChatMessage],
        parameters: SamplingParameters | None,
        *,
        stream: bool,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "messages": [message.model_dump() for message in messages],
            "stream": stream,
        }
        if parameters is not None:
            body.update(parameters.model_dump(exclude_none=True))
        return body

    def _transport_error(
        self, exc: httpx.HTTPError, params: Mapping[str, MessageParam], *, streaming: bool
    ) -> LlmError:
        detail = self._scrub(f"{type(exc).__name__}: {exc}")
        _log.info("LLM request to %s failed: %s", params.get("host"), detail)
        if isinstance(exc, OfflineBlockedError):
            return OfflineRefusedError(params, detail)
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return ConnectTimeoutError({**params, "timeout_s": self._timeouts.connect_s}, detail)
        if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
            return ReadTimeoutError({**params, "timeout_s": self._timeouts.read_s}, detail)
        if isinstance(exc, httpx.ConnectError):
            # For a cloud provider "unreachable" nearly always means no internet connection.
            code = "llm.cloud_unreachable" if self._is_cloud else None
            return ServerUnreachableError(params, detail, code)
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            return BrokenStreamError(params, detail) if streaming else GarbageAnswerError(params, detail)
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return InvalidBaseUrlError({**params, "base_url": self._base_url}, detail)
        return ServerUnreachableError(params, detail)

    def _status_error(
        self,
        status: int,
        text: str,
        headers: httpx.Headers,
        params: Mapping[str, MessageParam],
    ) -> LlmError:
        error = error_for_status(
            status,
            parse_error_body(text[:_MAX_ERROR_BODY]),
            params,
            self._api_key.get_secret_value() if self._api_key else None,
            headers.get("retry-after"),
        )
        _log.info("LLM provider %s answered an error: %s", params.get("host"), error)
        return error

    def _parse_completion(self, text: str, params: Mapping[str, MessageParam]) -> ChatReply:
        try:
            data = json.loads(text)
        except ValueError:
            raise GarbageAnswerError(params, self._scrub(f"not JSON: {text[:200]!r}")) from None
        if isinstance(data, dict) and "error" in data and "choices" not in data:
            raise error_for_stream_event(parse_error_object(data), params, self._secret())
        choice = _first_choice(data)
        message = choice.get("message") if choice is not None else None
        if choice is None or not isinstance(message, dict):
            raise GarbageAnswerError(params, self._scrub(f"no choices[0].message in answer: {text[:200]!r}"))
        finish_reason = choice.get("finish_reason")
        content = message.get("content")
        refusal = message.get("refusal")
        if (isinstance(refusal, str) and refusal) or (finish_reason == "content_filter" and not content):
            raise ContentRefusedError(params, self._scrub(f"refusal: {refusal or finish_reason}"))
        if content is None:
            content = ""
        if not isinstance(content, str):
            raise GarbageAnswerError(params, "choices[0].message.content is not text")
        model = data.get("model")
        return ChatReply(
            text=content,
            model=model if isinstance(model, str) else None,
            finish_reason=finish_reason if isinstance(finish_reason, str) else None,
        )

    def _secret(self) -> str | None:
        return self._api_key.get_secret_value() if self._api_key else None


def _drain(lines: Iterator[str]) -> None:
    """Read what follows ``[DONE]`` (normally just the end of the body), so the connection goes back
    to the pool instead of being closed: a new TLS handshake to a cloud provider costs time."""
    for count, _ in enumerate(lines):
        if count > _MAX_LINES_AFTER_DONE:
            break


def _first_choice(data: object) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    return choices[0]


class ChatStream:
    """Iterate to receive text pieces in order. ``finish_reason`` and ``text`` are set as it goes.

    Cancelling (the signal is checked between chunks) closes the connection and raises
    ``ChatCancelledError``. Breaking out of the loop or calling ``close()`` also closes the connection.
    """

    def __init__(
        self,
        client: ChatClient,
        model: str,
        messages: Sequence[ChatMessage],
        parameters: SamplingParameters | None,
        cancel: CancelSignal | Callable[[], bool] | None,
    ) -> None:
        self._client = client
        self._model = model
        self._body = client._request_body(model, messages, parameters, stream=True)
        self._cancel = cancel
        self._params = client._params(model)
        self._pieces: list[str] = []
        self._iterator: Iterator[str] | None = None
        self._events = 0
        self.finish_reason: str | None = None
        self.model: str | None = None

    @property
    def text(self) -> str:
        """Everything received so far."""
        return "".join(self._pieces)

    def __iter__(self) -> Iterator[str]:
        if self._iterator is None:
            self._iterator = self._run()
        return self._iterator

    def close(self) -> None:
        if self._iterator is not None:
            close = getattr(self._iterator, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _check_cancel(self) -> None:
        if self._cancel is None:
            return
        cancelled = self._cancel.is_set() if isinstance(self._cancel, CancelSignal) else self._cancel()
        if cancelled:
            raise ChatCancelledError()

    def _run(self) -> Iterator[str]:
        client = self._client
        self._check_cancel()
        url = f"{client.base_url}/chat/completions"
        try:
            with client._http.stream("POST", url, json=self._body) as response:
                if response.status_code != 200:
                    body = response.read()[:_MAX_ERROR_BODY].decode("utf-8", "replace")
                    raise client._status_error(response.status_code, body, response.headers, self._params)
                content_type = response.headers.get("content-type", "")
                if content_type.startswith("application/json"):
                    # The server ignored stream=true (or failed with a 200): one whole answer.
                    reply = client._parse_completion(response.read().decode("utf-8", "replace"), self._params)
                    self.finish_reason, self.model = reply.finish_reason, reply.model
                    if reply.text:
                        self._pieces.append(reply.text)
                        yield reply.text
                    return
                if content_type.startswith("text/html"):
                    text = response.read()[:200].decode("utf-8", "replace")
                    raise GarbageAnswerError(
                        self._params, client._scrub(f"HTML instead of a stream: {text!r}")
                    )
                yield from self._read_events(response)
        except httpx.HTTPError as exc:
            raise client._transport_error(exc, self._params, streaming=True) from None

    def _read_events(self, response: httpx.Response) -> Iterator[str]:
        data_lines: list[str] = []
        lines = response.iter_lines()
        for line in lines:
            self._check_cancel()
            if line:
                # "event:", "id:", "retry:" fields and ":" comments (OpenRouter keep-alives) carry no text.
                if line.startswith("data:"):
                    data_lines.append(line[5:].removeprefix(" "))
                continue
            if not data_lines:
                continue
            payload, data_lines = "\n".join(data_lines), []
            self._events += 1
            if payload.strip() == "[DONE]":
                _drain(lines)
                return
            yield from self._handle_event(payload)
        if data_lines:
            self._events += 1
            payload = "\n".join(data_lines)
            if payload.strip() == "[DONE]":
                return
            yield from self._handle_event(payload)
        if self._events == 0:
            raise GarbageAnswerError(self._params, "the answer has no server-sent events")
        if self.finish_reason is None:
            raise BrokenStreamError(self._params, "stream ended without [DONE] or a finish_reason")

    def _handle_event(self, payload: str) -> Iterator[str]:
        client = self._client
        try:
            event = json.loads(payload)
        except ValueError:
            raise BrokenStreamError(
                self._params, client._scrub(f"stream chunk is not JSON: {payload[:200]!r}")
            ) from None
        if not isinstance(event, dict):
            raise BrokenStreamError(self._params, "stream chunk is not an object")
        if "error" in event:
            raise error_for_stream_event(parse_error_object(event), self._params, client._secret())
        if isinstance(event.get("model"), str):
            self.model = event["model"]
        choices = event.get("choices")
        if not isinstance(choices, list):
            raise BrokenStreamError(
                self._params, client._scrub(f"stream chunk without choices: {payload[:200]!r}")
            )
        if not choices:
            return  # the usage chunk at the end has an empty list
        choice = choices[0]
        if not isinstance(choice, dict):
            raise BrokenStreamError(self._params, "stream choice is not an object")
        delta = choice.get("delta") or {}
        if not isinstance(delta, dict):
            raise BrokenStreamError(self._params, "stream delta is not an object")
        refusal = delta.get("refusal")
        finish_reason = choice.get("finish_reason")
        if isinstance(refusal, str) and refusal:
            raise ContentRefusedError(self._params, client._scrub(f"refusal: {refusal}"))
        if finish_reason == "content_filter":
            raise ContentRefusedError(self._params, "finish_reason=content_filter")
        if finish_reason == "error":
            raise BrokenStreamError(self._params, "finish_reason=error")
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._pieces.append(content)
            yield content
        if isinstance(finish_reason, str):
            self.finish_reason = finish_reason
