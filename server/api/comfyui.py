"""ComfyUI's state, its recent log lines, and start/stop/restart for the settings page."""

from __future__ import annotations

import queue

from flask import Blueprint, Response, jsonify, request

from server.api.event_stream import Batch, Message, event_stream_response
from server.api.language import request_language
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.status import ComfyUIStatus, status_messages
from server.i18n.translator import Language, Translator
from server.settings.store import SettingsStore
from server.stream_budget import StreamBudget


def comfyui_blueprint(
    runtime: ComfyUIRuntime, translator: Translator, settings: SettingsStore, streams: StreamBudget
) -> Blueprint:
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

        def next_batch(timeout: float) -> Batch:
            try:
                statuses = [changes.get(timeout=timeout)]
            except queue.Empty:
                return Batch()
            while not changes.empty():
                statuses.append(changes.get_nowait())
            return Batch([Message("status", described(status, language)) for status in statuses])

        return event_stream_response(next_batch, streams, on_close=unsubscribe)

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
