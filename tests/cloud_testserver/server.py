"""A stand-in for the cloud providers the app talks to: OpenAI, OpenRouter and Mistral.

It follows their documented request and response shapes, including their error bodies:

  POST /openai/v1/images/generations        OpenAI Images API (gpt-image-1): data[].b64_json PNG
  POST /openrouter/api/v1/chat/completions  OpenRouter; with "modalities": ["image", ...] the answer
                                            carries choices[0].message.images[].image_url.url as a
                                            data URI, otherwise a text answer
  POST /openai/v1/chat/completions, /mistral/v1/chat/completions, GET <prefix>/models
                                            text chat and model lists (the LLM test server's behaviours,
                                            chosen by the model name)

Every route wants ``Authorization: Bearer <that provider's key>`` (``--openai-key`` etc.). A wrong
key gets the provider's 401; OpenAI's message repeats the key it was given in full (worse than the
real service, which masks it), so a test can prove that the app never passes such text on.

Image answers are chosen through ``POST /_control/behaviour {"behaviour", "times", "delay_s"}`` (the
next ``times`` image requests):

  ok                 a PNG (default)
  no-credit          OpenAI 429 insufficient_quota / OpenRouter 402
  rate-limit         429 with Retry-After: 20
  refused            OpenAI 400 moderation_blocked / OpenRouter 403 moderation with metadata
  refused-in-answer  OpenRouter 200 without an image, native_finish_reason IMAGE_SAFETY
  no-image           OpenRouter 200 with text only
  error-in-200       OpenRouter 200 whose body is an error object (a failure after acceptance)
  server-error       OpenAI 500 / OpenRouter 502
  timeout-408        OpenRouter 408
  garbage            200 with an HTML body
  slow               answers normally after ``delay_s`` seconds (timeouts, cancel)

``GET /_control/requests`` lists recorded requests (with ``completed`` once answered and
``client_gone`` when the app hung up first); ``POST /_control/reset`` forgets them and the behaviours.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from typing_extensions import override

from tests.cloud_testserver.png_image import solid_png
from tests.llm_testserver.server import TestProviderHandler, _ClientGoneError, _Recorder

PREFIXES = {"/openai/v1": "openai", "/openrouter/api/v1": "openrouter", "/mistral/v1": "mistral"}
IMAGE_SIZES = ("1024x1024", "1536x1024", "1024x1536", "auto")
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
IMAGES_API_FIELDS = {
    "model",
    "prompt",
    "n",
    "size",
    "quality",
    "output_format",
    "output_compression",
    "moderation",
    "background",
    "user",
    "partial_images",
    "stream",
}


class _Control:
    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys
        self._lock = threading.Lock()
        self._queue: list[tuple[str, float]] = []

    def push(self, behaviour: str, times: int, delay_s: float) -> None:
        with self._lock:
            self._queue.extend([(behaviour, delay_s)] * times)

    def next(self) -> tuple[str, float]:
        with self._lock:
            return self._queue.pop(0) if self._queue else ("ok", 0.0)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()


class CloudProviderHandler(TestProviderHandler):
    server_version = "CloudTestServer/1.0"
    control: _Control  # set on the subclass built by make_server

    # --- routing -------------------------------------------------------------------------------

    @override
    def do_GET(self) -> None:
        if self.path == "/_control/requests":
            self._send_json(200, self.recorder.snapshot())
            return
        self._record(None)
        provider, rest = self._route()
        if provider is None or rest != "models":
            self._not_found()
            return
        if not self._authorized(provider):
            return
        self._send_json(
            200,
            {
                "object": "list",
                "data": [{"id": "echo", "object": "model", "created": 1700000000, "owned_by": provider}],
            },
        )

    @override
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path == "/_control/reset":
            self.recorder.reset()
            self.control.reset()
            self._send_json(200, {"ok": True})
            return
        if self.path == "/_control/behaviour":
            order = json.loads(raw)
            self.control.push(
                str(order["behaviour"]), int(order.get("times", 1)), float(order.get("delay_s", 0))
            )
            self._send_json(200, {"ok": True})
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = self._record(body)
        provider, rest = self._route()
        if provider is None or rest not in ("chat/completions", "images/generations"):
            self._not_found()
            return
        if rest == "images/generations" and provider != "openai":
            self._not_found()
            return
        if not self._authorized(provider):
            return
        try:
            if rest == "images/generations":
                self._openai_image(body, record)
            elif provider == "openrouter" and isinstance(body, dict) and _wants_image(body):
                self._openrouter_image(body, record)
            elif not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                self._invalid(provider, "messages is required", "messages")
            else:
                self._chat(body, record)
        except _ClientGoneError:
            self.recorder.update(record, client_gone=True)
            self.close_connection = True

    def _route(self) -> tuple[str | None, str]:
        for prefix, provider in PREFIXES.items():
            if self.path.startswith(prefix + "/"):
                return provider, self.path[len(prefix) + 1 :]
        return None, ""

    def _not_found(self) -> None:
        self._send_raw(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")

    def _authorized(self, provider: str) -> bool:
        given = self.headers.get("Authorization", "")
        if given == f"Bearer {self.control.keys[provider]}":
            return True
        key = given.removeprefix("Bearer ")
        if provider == "openai":
            self._send_json(
                401,
                {
                    "error": {
                        "message": f"Incorrect API key provided: {key}. You can find your API key at "
                        "https://platform.openai.com/account/api-keys.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
            )
        elif provider == "openrouter":
            self._send_json(401, {"error": {"message": "User not found.", "code": 401}})
        else:
            self._send_json(401, {"message": "Unauthorized", "request_id": "0f1e2d3c4b5a"})
        return False

    def _invalid(self, provider: str, message: str, param: str | None, code: str = "invalid_value") -> None:
        if provider == "openrouter":
            self._send_json(400, {"error": {"code": 400, "message": message}})
        else:
            self._send_json(
                400,
                {
                    "error": {
                        "message": message,
                        "type": "invalid_request_error",
                        "param": param,
                        "code": code,
                    }
                },
            )

    # --- OpenAI Images API -------------------------------------------------------------------

    def _openai_image(self, body: Any, record: dict[str, Any]) -> None:
        if not isinstance(body, dict):
            self._invalid("openai", "We could not parse the JSON body of your request.", None, "invalid_json")
            return
        unknown = sorted(set(body) - IMAGES_API_FIELDS)
        if unknown:
            self._invalid("openai", f"Unknown parameter: '{unknown[0]}'.", unknown[0], "unknown_parameter")
            return
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            self._invalid(
                "openai", "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter"
            )
            return
        size = body.get("size", "auto")
        if size not in IMAGE_SIZES:
            supported = ", ".join(f"'{s}'" for s in IMAGE_SIZES)
            self._invalid("openai", f"Invalid value: '{size}'. Supported values are: {supported}.", "size")
            return
        count = body.get("n", 1)
        if not isinstance(count, int) or not 1 <= count <= 10:
            self._invalid("openai", f"Invalid value: {count!r}. 'n' must be between 1 and 10.", "n")
            return
        behaviour, delay = self.control.next()
        if behaviour == "slow":
            self._wait(delay, record)
        if behaviour == "no-credit":
            self._openai_error(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
                "insufficient_quota",
            )
        elif behaviour == "rate-limit":
            self._openai_error(
                429,
                "Rate limit reached for images per minute.",
                "requests",
                "rate_limit_exceeded",
                {"Retry-After": "20"},
            )
        elif behaviour == "refused":
            self._openai_error(
                400,
                "Your request was rejected by the safety system. If you believe this is an error, "
                "contact us.",
                "image_generation_user_error",
                "moderation_blocked",
            )
        elif behaviour == "server-error":
            self._openai_error(
                500, "The server had an error while processing your request.", "server_error", None
            )
        elif behaviour == "garbage":
            self._send_raw(200, b"<html><body>Bad gateway</body></html>", "text/html")
        else:
            images = [
                {"b64_json": base64.b64encode(solid_png(f"{prompt}#{index}")).decode("ascii")}
                for index in range(count)
            ]
            self._send_json(
                200,
                {
                    "created": int(time.time()),
                    "background": "opaque",
                    "data": images,
                    "output_format": body.get("output_format", "png"),
                    "quality": body.get("quality", "auto"),
                    "size": size,
                    "usage": {
                        "input_tokens": 50,
                        "input_tokens_details": {"image_tokens": 0, "text_tokens": 50},
                        "output_tokens": 1056,
                        "total_tokens": 1106,
                    },
                },
            )
        self.recorder.update(record, completed=True)

    def _openai_error(
        self, status: int, message: str, kind: str, code: str | None, headers: dict[str, str] | None = None
    ) -> None:
        self._send_json(
            status, {"error": {"message": message, "type": kind, "param": None, "code": code}}, headers
        )

    # --- OpenRouter image answers --------------------------------------------------------------

    def _openrouter_image(self, body: dict[str, Any], record: dict[str, Any]) -> None:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not isinstance(body.get("model"), str):
            self._invalid("openrouter", 'Input required: specify "prompt" or "messages"', None)
            return
        config = body.get("image_config") or {}
        if config.get("aspect_ratio", "1:1") not in ASPECT_RATIOS:
            self._invalid(
                "openrouter", f"Invalid option for aspect_ratio: {config.get('aspect_ratio')}", None
            )
            return
        prompt = str(messages[-1].get("content", "")) if isinstance(messages[-1], dict) else ""
        behaviour, delay = self.control.next()
        if behaviour == "slow":
            self._wait(delay, record)
        errors = {
            "no-credit": (
                402,
                "Insufficient credits. This account never purchased credits. Make sure your key is on the "
                "correct account or org, and if so, purchase more at https://openrouter.ai/settings/credits",
                {},
            ),
            "rate-limit": (
                429,
                "Rate limit exceeded: google/gemini-3-pro-image-preview",
                {"Retry-After": "20"},
            ),
            "server-error": (502, "Provider returned error", {}),
            "timeout-408": (408, "Request timed out", {}),
        }
        if behaviour in errors:
            status, message, headers = errors[behaviour]
            self._send_json(status, {"error": {"code": status, "message": message}}, headers)
        elif behaviour == "refused":
            self._send_json(
                403,
                {
                    "error": {
                        "code": 403,
                        "message": f"{body['model']} requires moderation on Google. "
                        'Your input was flagged for "violence/graphic".',
                        "metadata": {
                            "reasons": ["violence/graphic"],
                            "flagged_input": prompt[:100],
                            "provider_name": "Google",
                            "model_slug": body["model"],
                        },
                    }
                },
            )
        elif behaviour == "error-in-200":
            self._send_json(
                200, {"error": {"code": 502, "message": "Provider returned error"}, "user_id": "u1"}
            )
        elif behaviour == "garbage":
            self._send_raw(200, b"<html><body>Bad gateway</body></html>", "text/html")
        else:
            images: list[dict[str, Any]] = []
            native = "STOP"
            text = "Here is the picture you asked for."
            if behaviour == "refused-in-answer":
                native, text = "IMAGE_SAFETY", ""
            elif behaviour == "no-image":
                text = "I can describe it instead: a red fox in the snow."
            else:
                data = base64.b64encode(solid_png(prompt)).decode("ascii")
                images = [
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}, "index": 0}
                ]
            self._send_json(200, _openrouter_answer(str(body["model"]), text, images, native))
        self.recorder.update(record, completed=True)

    def _wait(self, delay: float, record: dict[str, Any]) -> None:
        # Sleeps in small steps; the request counts as answered only when the answer is sent.
        deadline = time.monotonic() + min(delay, 60.0)
        while time.monotonic() < deadline:
            time.sleep(0.05)
        self.recorder.update(record, waited=True)


def _wants_image(body: Any) -> bool:
    return (
        isinstance(body, dict) and isinstance(body.get("modalities"), list) and "image" in body["modalities"]
    )


def _openrouter_answer(model: str, text: str, images: list[dict[str, Any]], native: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None, "reasoning": None}
    if images:
        message["images"] = images
    return {
        "id": "gen-1700000000-test",
        "provider": "Google",
        "model": model,
        "object": "chat.completion",
        "created": 1700000000,
        "choices": [
            {
                "logprobs": None,
                "finish_reason": "stop",
                "native_finish_reason": native,
                "index": 0,
                "message": message,
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 1300, "total_tokens": 1320},
    }


def make_server(keys: dict[str, str], host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    handler = type(
        "BoundCloudProviderHandler",
        (CloudProviderHandler,),
        {"recorder": _Recorder(), "control": _Control(keys)},
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
