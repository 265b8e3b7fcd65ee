"""A stand-in for an OpenAI-compatible provider, for tests that need request shapes and failures.

It follows the documented shapes of ``POST /v1/chat/completions`` (plain and streamed as
server-sent events ending with ``data: [DONE]``) and ``GET /v1/models``, and it can fail in every way
a real provider does. The behaviour is chosen by the requested model name, so one server instance
serves many tests:

  any other name            echo the last user message ("echo: <text>")
  slow-stream               40 pieces, 0.1 s apart (for cancelling)
  held-stream               40 pieces at once, but held before piece 10 until the first
                            ``POST /_control/release`` and before piece 30 until the second (see
                            "Holding" below: for watching a stream mid-way and cancelling it)
  slow-first-byte-<secs>    wait before the first byte (for read timeouts; capped at 10 s)
  error-401 / error-403     OpenAI invalid_api_key shape
  error-402                 OpenRouter insufficient credits shape
  error-insufficient-quota  OpenAI 429 insufficient_quota
  error-404                 OpenAI model_not_found
  error-404-ollama          Ollama's /v1 "model not found, try pulling it first"
  error-404-lmstudio        LM Studio's model_not_found
  error-400-mistral-model   Mistral's invalid_model
  error-429                 rate limit with Retry-After: 7
  error-500 / error-503-llamacpp
  error-400-context         OpenAI context_length_exceeded (other 4xx)
  content-refused           OpenAI content_policy_violation
  content-refused-openrouter  OpenRouter 403 moderation with metadata
  refusal-field             200 answer whose message carries OpenAI's ``refusal``
  garbage-body              200 with an HTML body
  missing-choices           200 JSON without choices
  broken-stream             2 pieces, then the connection breaks mid-chunk
  stream-no-done            pieces, then a clean end without finish_reason or [DONE]
  stream-garbage            a data line that is not JSON
  stream-error-openrouter   an OpenRouter error event inside a 200 stream
  stream-with-comments      OpenRouter-style ": OPENROUTER PROCESSING" comment lines
  json-when-streaming       a plain JSON answer even when stream=true
  verdict-safe              a safety verdict: {"safe": true, "category": null, "reason": ...}
  verdict-unsafe-<category> a safety verdict: {"safe": false, "category": "<category>", ...}
  reply:<text>              answers <text> verbatim (an LLM that writes something of its own)
  llama-guard-3-*           Llama Guard 3's native answer: "safe", or "unsafe\nS<n>[,S<m>]" when
                            the model name ends in "-unsafe-S<n>[,S<m>]" or the text holds "S<n>!"
                            ("llama-guard-3-garbage": a chatty non-verdict)
  qwen3guard-*              Qwen3Guard-Gen's native answer: "Safety: Safe\nCategories: None", or
                            Unsafe/Controversial with categories when the name ends in
                            "-unsafe-<Category>" / "-controversial-<Category>" (spaces as "_")

Path prefixes: ``/v1`` answers everyone; ``/keyed/v1`` wants ``Authorization: Bearer <TEST_KEY>``;
``/garbage/v1/models`` answers garbage. Any other path is an HTML 404 (a wrong base URL).

Control: ``GET /_control/requests`` lists recorded requests (method, path, headers, JSON body,
pieces sent, whether the client went away, whether it is held right now); ``POST /_control/reset``
forgets them and the releases; ``POST /_control/release`` lets every held stream past one more hold.

Holding: releases are counted from the last reset, so a test resets before it starts a
``held-stream`` (a stream started after two releases is not held at all: the later rounds of a
Telephone game run at full speed once the test has seen the first one held). While held, the stream
sends an SSE comment line (``: held``, as OpenRouter's ``: OPENROUTER PROCESSING`` keep-alives) every
0.1 s, so a client that checks its cancel signal between lines sees it, and the server watches the
socket: a client that hangs up while held is recorded as ``client_gone`` at once, never ``completed``.
A hold nobody releases ends after 60 s with the connection cut mid-stream (recorded as
``hold_expired``), so a forgotten release fails a test loudly instead of hanging its worker.
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEST_KEY = "sk-test-0123456789abcdefSECRET"
SLOW_STREAM_PIECES = 40
# How many pieces of a held-stream are sent before each of its holds.
HELD_STREAM_HOLDS = (10, 30)
HOLD_KEEP_ALIVE_SECONDS = 0.1
HOLD_CAP_SECONDS = 60.0

_ERRORS: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {
    "error-401": (
        401,
        {
            "error": {
                "message": "Incorrect API key provided: sk-te***CRET. You can find your API key at ...",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        },
        {},
    ),
    "error-403": (
        403,
        {
            "error": {
                "message": "You are not allowed to sample from this model",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
        {},
    ),
    "error-402": (
        402,
        {"error": {"code": 402, "message": "Insufficient credits. Add more using https://example.invalid"}},
        {},
    ),
    "error-insufficient-quota": (
        429,
        {
            "error": {
                "message": "You exceeded your current quota, please check your plan and billing details.",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            }
        },
        {},
    ),
    "error-404": (
        404,
        {
            "error": {
                "message": "The model `error-404` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "param": None,
                "code": "model_not_found",
            }
        },
        {},
    ),
    "error-404-ollama": (
        404,
        {
            "error": {
                "message": 'model "error-404-ollama" not found, try pulling it first',
                "type": "api_error",
                "param": None,
                "code": None,
            }
        },
        {},
    ),
    "error-404-lmstudio": (
        404,
        {
            "error": {
                "message": 'Model "error-404-lmstudio" not found. Please specify a valid model.',
                "type": "invalid_request_error",
                "param": "model",
                "code": "model_not_found",
            }
        },
        {},
    ),
    "error-400-mistral-model": (
        400,
        {
            "object": "error",
            "message": "Invalid model: error-400-mistral-model",
            "type": "invalid_model",
            "param": None,
            "code": "1500",
        },
        {},
    ),
    "error-429": (
        429,
        {
            "error": {
                "message": "Rate limit reached for requests",
                "type": "requests",
                "param": None,
                "code": "rate_limit_exceeded",
            }
        },
        {"Retry-After": "7"},
    ),
    "error-500": (
        500,
        {
            "error": {
                "message": "The server had an error while processing your request. Sorry about that!",
                "type": "server_error",
                "param": None,
                "code": None,
            }
        },
        {},
    ),
    "error-503-llamacpp": (
        503,
        {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}},
        {},
    ),
    "error-400-context": (
        400,
        {
            "error": {
                "message": "This model's maximum context length is 8192 tokens.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        },
        {},
    ),
    "content-refused": (
        400,
        {
            "error": {
                "message": "Your request was rejected as a result of our safety system.",
                "type": "invalid_request_error",
                "param": None,
                "code": "content_policy_violation",
            }
        },
        {},
    ),
    "content-refused-openrouter": (
        403,
        {
            "error": {
                "code": 403,
                "message": "openai/gpt-4o requires moderation on OpenAI. Your input was flagged for "
                '"violence".',
                "metadata": {
                    "reasons": ["violence"],
                    "flagged_input": "...",
                    "provider_name": "OpenAI",
                    "model_slug": "openai/gpt-4o",
                },
            }
        },
        {},
    ),
}


class _Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._records.append(record)
        return record

    def update(self, record: dict[str, Any], **changes: Any) -> None:
        with self._lock:
            record.update(changes)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            copied: list[dict[str, Any]] = json.loads(json.dumps(self._records))
            return copied

    def reset(self) -> None:
        with self._lock:
            self._records.clear()


class _Releases:
    """How many times the test released the held streams since the last reset."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    def release(self) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def reset(self) -> None:
        with self._changed:
            self._count = 0
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """True once released ``count`` times; False after ``timeout`` seconds without that."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count >= count, timeout)


class _ClientGoneError(Exception):
    pass


class TestProviderHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LlmTestServer/1.0"
    recorder: _Recorder  # set on the subclass built by make_server
    releases: _Releases  # likewise

    def log_message(self, format: str, *args: Any) -> None:
        return

    # --- routing -------------------------------------------------------------------------------

    def do_GET(self) -> None:
        if self.path == "/_control/requests":
            self._send_json(200, self.recorder.snapshot())
            return
        self._record(None)
        prefix, _, rest = self.path.partition("/v1/")
        if rest != "models" or prefix not in ("", "/keyed", "/garbage"):
            self._send_raw(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")
            return
        if prefix == "/keyed" and not self._key_ok():
            self._send_error_body(*_ERRORS["error-401"])
            return
        if prefix == "/garbage":
            self._send_raw(200, b"<html>this is not json</html>", "text/html")
            return
        self._send_json(
            200,
            {
                "object": "list",
                "data": [
                    {"id": "echo", "object": "model", "created": 1700000000, "owned_by": "testserver"},
                    {"id": "slow-stream", "object": "model", "created": 1700000000, "owned_by": "testserver"},
                ],
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path == "/_control/reset":
            self.recorder.reset()
            self.releases.reset()
            self._send_json(200, {"ok": True})
            return
        if self.path == "/_control/release":
            self.releases.release()
            self._send_json(200, {"ok": True})
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = self._record(body)
        prefix, _, rest = self.path.partition("/v1/")
        if rest != "chat/completions" or prefix not in ("", "/keyed"):
            self._send_raw(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")
            return
        if prefix == "/keyed" and not self._key_ok():
            self._send_error_body(*_ERRORS["error-401"])
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._send_json(
                400,
                {"error": {"message": "messages is required", "type": "invalid_request_error", "code": None}},
            )
            return
        try:
            self._chat(body, record)
        except _ClientGoneError:
            self.recorder.update(record, client_gone=True)
            self.close_connection = True

    # --- chat behaviours ----------------------------------------------------------------------

    def _chat(self, body: dict[str, Any], record: dict[str, Any]) -> None:
        model = str(body.get("model", ""))
        stream = body.get("stream") is True
        if model in _ERRORS:
            self._send_error_body(*_ERRORS[model])
            return
        if model.startswith("slow-first-byte-"):
            time.sleep(min(10.0, float(model.removeprefix("slow-first-byte-"))))
        if model == "garbage-body":
            self._send_raw(200, b"<html><body>Gateway says hello</body></html>", "text/html")
            return
        if model == "missing-choices":
            self._send_json(200, {"id": "chatcmpl-x", "object": "chat.completion", "created": 1})
            return
        if model == "refusal-field":
            answer = _completion(model, None)
            answer["choices"][0]["message"]["refusal"] = "I'm sorry, I can't help with that."
            self._send_json(200, answer)
            return
        text = _echo_text(body)
        guard_answer = _guard_answer(model, body)
        if model.startswith("reply:"):
            text = model.removeprefix("reply:")
        elif guard_answer is not None:
            text = guard_answer
        elif model == "verdict-safe":
            text = json.dumps({"safe": True, "category": None, "reason": "fits the age group"})
        elif model.startswith("verdict-unsafe-"):
            category = model.removeprefix("verdict-unsafe-")
            text = json.dumps({"safe": False, "category": category, "reason": "not for this age group"})
        if not stream or model == "json-when-streaming":
            self._send_json(200, _completion(model, text))
            return
        self._stream(model, text, body, record)

    def _stream(self, model: str, text: str, body: dict[str, Any], record: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = _pieces(text)
        delay = 0.0
        if model == "slow-stream":
            pieces = [f" piece{index}" for index in range(SLOW_STREAM_PIECES)]
            delay = 0.1
        holds: dict[int, int] = {}
        if model == "held-stream":
            pieces = [f" piece{index}" for index in range(SLOW_STREAM_PIECES)]
            holds = {at: number for number, at in enumerate(HELD_STREAM_HOLDS, start=1)}
        if model == "stream-with-comments":
            self._chunk(b": OPENROUTER PROCESSING\n\n")
        self._event(_chunk_object(model, {"role": "assistant", "content": ""}, None))
        for index, piece in enumerate(pieces):
            if delay:
                time.sleep(delay)
            if index in holds and not self._hold(holds[index], record):
                return
            if model == "broken-stream" and index == 2:
                # Announce a chunk longer than what follows, then hang up: a transfer cut mid-way.
                self.wfile.write(b'400\r\ndata: {"choi')
                self.wfile.flush()
                self.close_connection = True
                return
            if model == "stream-garbage" and index == 1:
                self._chunk(b"data: {this is not json\n\n")
                continue
            if model == "stream-error-openrouter" and index == 1:
                error_event = _chunk_object(model, {"content": ""}, "error")
                error_event["error"] = {"code": "server_error", "message": "Provider disconnected"}
                self._event(error_event)
                self._end_chunks()
                return
            if model == "stream-with-comments":
                self._chunk(b": OPENROUTER PROCESSING\n\n")
            self._event(_chunk_object(model, {"content": piece}, None))
            self.recorder.update(record, pieces_sent=index + 1)
        if model == "stream-no-done":
            self._end_chunks()
            return
        self._event(_chunk_object(model, {}, "stop"))
        options = body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):
            usage = _chunk_object(model, {}, None)
            usage["choices"] = []
            usage["usage"] = {
                "prompt_tokens": 5,
                "completion_tokens": len(pieces),
                "total_tokens": 5 + len(pieces),
            }
            self._event(usage)
        self._chunk(b"data: [DONE]\n\n")
        self._end_chunks()
        self.recorder.update(record, completed=True)

    def _hold(self, release_number: int, record: dict[str, Any]) -> bool:
        """Waits for the test's ``release_number``-th release; False if the hold expired (hung up)."""
        deadline = time.monotonic() + HOLD_CAP_SECONDS
        self.recorder.update(record, held=True)
        try:
            while not self.releases.wait_for(release_number, HOLD_KEEP_ALIVE_SECONDS):
                if self._client_hung_up():
                    raise _ClientGoneError()
                if time.monotonic() > deadline:
                    self.recorder.update(record, hold_expired=True)
                    self.close_connection = True
                    return False
                self._chunk(b": held\n\n")
            return True
        finally:
            self.recorder.update(record, held=False)

    def _client_hung_up(self) -> bool:
        """The client closed its end: the socket reads as ended (a streaming client sends nothing)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True
        return peeked == b""

    # --- helpers --------------------------------------------------------------------------------

    def _record(self, body: Any) -> dict[str, Any]:
        return self.recorder.add(
            {
                "method": self.command,
                "path": self.path,
                "headers": {key.lower(): value for key, value in self.headers.items()},
                "body": body,
                "pieces_sent": 0,
                "completed": False,
                "client_gone": False,
                "held": False,
                "hold_expired": False,
                "client_port": self.client_address[1],
            }
        )

    def _key_ok(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {TEST_KEY}"

    def _send_raw(
        self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(data).encode(), "application/json", headers)

    def _send_error_body(self, status: int, data: dict[str, Any], headers: dict[str, str]) -> None:
        self._send_json(status, data, headers)

    def _chunk(self, data: bytes) -> None:
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _ClientGoneError() from exc

    def _event(self, data: dict[str, Any]) -> None:
        self._chunk(b"data: " + json.dumps(data).encode() + b"\n\n")

    def _end_chunks(self) -> None:
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _ClientGoneError() from exc


def _echo_text(body: dict[str, Any]) -> str:
    for message in reversed(body["messages"]):
        if isinstance(message, dict) and message.get("role") == "user":
            return f"echo: {message.get('content', '')}"
    return "echo:"


def _guard_answer(model: str, body: dict[str, Any]) -> str | None:
    """A guard model's native answer; None for every other model name.

    A real guard model gets only the user turn (its chat template adds the policy); a system message
    here would mean the app sent our own prompt to a guard, so the answer is then garbage.
    """
    folded = model.casefold()
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    has_system = any(m.get("role") == "system" for m in messages)
    last_user = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
    if folded.startswith("llama-guard-3"):
        if has_system or folded.endswith("-garbage"):
            return "I think this text is probably fine, but let me explain why..."
        marked = re.findall(r"\b(S(?:1[0-4]|[1-9]))!", last_user)
        if "-unsafe-" in folded:
            return "unsafe\n" + model.rsplit("-unsafe-", 1)[1].upper()
        if marked:
            return "unsafe\n" + ",".join(marked)
        return "safe"
    if folded.startswith("qwen3guard"):
        if has_system or folded.endswith("-garbage"):
            return "The content looks okay to me."
        for rating in ("unsafe", "controversial"):
            if f"-{rating}-" in folded:
                category = model.rsplit(f"-{rating}-", 1)[1].replace("_", " ")
                return f"Safety: {rating.capitalize()}\nCategories: {category}"
        return "Safety: Safe\nCategories: None"
    return None


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [words[0]] + [f" {word}" for word in words[1:]]


def _completion(model: str, text: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
    }


def _chunk_object(model: str, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def make_server(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    handler = type(
        "BoundTestProviderHandler",
        (TestProviderHandler,),
        {"recorder": _Recorder(), "releases": _Releases()},
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
