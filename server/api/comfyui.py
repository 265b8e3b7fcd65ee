"""ComfyUI's state, its recent log lines, and start/stop/restart for the settings page."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.api.language import request_language
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.status import ComfyUIStatus, status_messages
from server.i18n.translator import Translator
from server.settings.store import SettingsStore


def comfyui_blueprint(runtime: ComfyUIRuntime, translator: Translator, settings: SettingsStore) -> Blueprint:
    bp = Blueprint("comfyui", __name__)

    def render(status: ComfyUIStatus) -> Response:
        language = request_language(settings)
        body = status.model_dump(mode="json")
        body["message"] = " ".join(
            translator.translate(line.code, language, line.params) for line in status_messages(status)
        )
        return jsonify(body)

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
