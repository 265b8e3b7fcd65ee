"""The built-in engine's own process: llama-cpp-python's OpenAI-compatible server, open only to the app.

llama-cpp-python's server answers anyone who can reach its port: without a key by default, and with
``access-control-allow-origin`` for every Origin (credentials allowed). Any web page in the user's
browser, or a DNS-rebinding site, could use it. So the app runs this module instead of
``llama_cpp.server``; it builds the same FastAPI app and puts ``LoopbackGuard`` in front of it:

- every request needs ``Authorization: Bearer <key>``; the key is random per launch and comes from
  the environment (``KEY_VARIABLE``), never from an argument (arguments show in ``ps``, logs and the
  process record);
- the Host header must be ``127.0.0.1:<port>`` or ``localhost:<port>`` (DNS rebinding);
- no CORS: llama-cpp-python's CORS middleware is removed and any ``access-control-*`` header is
  dropped from answers, so a browser never lets a foreign page read one.

It also turns off ``logits_all`` (llama-cpp-python's server keeps the logits of every token by
default: hundreds of MB that nothing in the app uses).

Run as ``python -m server.llm.engine_server --model FILE --port P ...`` (development), or through the
frozen program's ``--llama-server`` switch (``build/ai4artsed_entry.py``). Imports nothing from the
app beyond this module, and llama-cpp-python only when it runs: the app imports the names below.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

KEY_VARIABLE = "AI4ARTSED_ENGINE_KEY"
LOOPBACK = "127.0.0.1"
_MIN_KEY_LENGTH = 16

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class LoopbackGuard:
    """ASGI middleware: only requests with the key and a loopback Host reach the app; no CORS out."""

    def __init__(self, app: AsgiApp, key: str, port: int) -> None:
        if len(key) < _MIN_KEY_LENGTH:
            raise ValueError("the engine key is too short")
        self._app = app
        self._expected = f"Bearer {key}".encode()
        self._hosts = {f"{LOOPBACK}:{port}".encode(), f"localhost:{port}".encode()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._app(scope, receive, send)
            return
        if scope["type"] != "http":
            # The engine offers no websockets; close before anything reaches the app.
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = {bytes(name).lower(): bytes(value) for name, value in scope.get("headers", [])}
        if headers.get(b"host", b"").lower() not in self._hosts:
            await _refuse(send, 403, "host_not_allowed", "this server answers only on its loopback address")
            return
        if not hmac.compare_digest(headers.get(b"authorization", b""), self._expected):
            await _refuse(send, 401, "invalid_api_key", "a valid key is needed")
            return

        async def send_without_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if not bytes(name).lower().startswith(b"access-control-")
                ]
            await send(message)

        await self._app(scope, receive, send_without_cors)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "type": "invalid_request_error"}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="engine_server", description="The built-in LLM engine of AI4ArtsEd (llama.cpp, loopback only)."
    )
    parser.add_argument("--model", required=True, help="the GGUF file")
    parser.add_argument("--model_alias", default="builtin")
    parser.add_argument("--host", default=LOOPBACK, choices=[LOOPBACK])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n_ctx", type=int, default=4096)
    parser.add_argument("--n_threads", type=int, default=None)
    parser.add_argument("--interrupt_requests", type=_flag, default=False)
    # Only for measuring what the default of llama-cpp-python costs (bench/llm_overhead.py).
    parser.add_argument("--logits_all", type=_flag, default=False)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_arguments(argv)
    # Taken out of the environment: nothing this process might start inherits it.
    key = os.environ.pop(KEY_VARIABLE, "")
    if len(key) < _MIN_KEY_LENGTH:
        print(f"The engine needs its key in the environment variable {KEY_VARIABLE}.", file=sys.stderr)
        return 2
    try:
        import uvicorn
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
        from starlette.middleware.cors import CORSMiddleware
    except ImportError as exc:
        print(f"This installation of AI4ArtsEd has no built-in LLM engine ({exc}).", file=sys.stderr)
        return 3
    model_options: dict[str, Any] = {
        "model": options.model,
        "model_alias": options.model_alias,
        "n_ctx": options.n_ctx,
        "logits_all": options.logits_all,
    }
    if options.n_threads is not None:
        model_options["n_threads"] = options.n_threads
    app = create_app(
        server_settings=ServerSettings(
            host=options.host, port=options.port, interrupt_requests=options.interrupt_requests, api_key=key
        ),
        model_settings=[ModelSettings(**model_options)],
    )
    app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not CORSMiddleware]
    uvicorn.run(
        LoopbackGuard(app, key, options.port),
        host=options.host,
        port=options.port,
        # Nothing sits in front of the engine: no X-Forwarded-* header is to be believed.
        proxy_headers=False,
        log_level="info",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
