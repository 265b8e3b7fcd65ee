"""ComfyUI's state, its recent log lines, and start/stop/restart for the settings page."""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request, stream_with_context

from server.api.jobs import KEEPALIVE_S
from server.api.language import request_language
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.status import ComfyUIStatus, status_messages
from server.i18n.translator import Language, Translator
from server.settings.store import SettingsStore


def comfyui_blueprint(runtime: ComfyUIRuntime, translator: Translator, settings: SettingsStore) -> Blueprint:
    bp = Blueprint("comfyui", __name__)

    def described(status: ComfyUIStatus, language: Language) -> dict[str, object]:
        body: dict[str, object] = status.model_dump(mode="json")
        body["message"] = " ".join(
            translator.translate(line.code, language, line.params) for line in status_messages(status)
        )
        return body

    def render(status: ComfyUIStatus) -> Response:
        return jsonify(described(status, request_language(settings)))

    @bp.get("/api/comfyui/events")
    def events() -> Response:
        """The state now, then every change, as server-sent events (for the settings page)."""
        language = request_language(settings)
        changes: queue.Queue[ComfyUIStatus] = queue.Queue()
        unsubscribe = runtime.subscribe(changes.put)
        changes.put(runtime.status())

        def stream() -> Iterator[str]:
            try:
                while True:
                    try:
                        status = changes.get(timeout=KEEPALIVE_S)
                    except queue.Empty:
                        yield ": keep-alive\n\n"
                        continue
                    payload = json.dumps(described(status, language), ensure_ascii=False)
                    yield f"event: status\ndata: {payload}\n\n"
            finally:
                unsubscribe()

        response = Response(stream_with_context(stream()), mimetype="text/event-stream")
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/api/comfyui/status")
    def status() -> Response:
        return render(runtime.status())

    @bp.get("/api/comfyui/logs")
    def logs() -> Response:
        after = request.args.get("after", default=0, type=int) or 0
        lines = runtime.logs(after)
        return jsonify(
            {"lines": [line.model_dump() for line in lines], "last": lines[-1].seq if lines else after}
        )

    @bp.post("/api/comfyui/start")
    def start() -> tuple[Response, int]:
        return render(runtime.start()), 202

    @bp.post("/api/comfyui/stop")
    def stop() -> Response:
        return render(runtime.stop())

    @bp.post("/api/comfyui/restart")
    def restart() -> tuple[Response, int]:
        return render(runtime.restart()), 202

    return bp
