"""GET/PATCH /api/settings, and the guarded or checked changes (safety level, PIN, ComfyUI)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from server.api.request_body import parse_body
from server.comfyui.connection_settings import ComfyUIConnectionSettings
from server.llm.provider_registry import ProviderRegistry
from server.settings.llm_choices import check_stage_choices
from server.settings.models import ComfyUIChange, PinChange, SafetyLevelChange, SettingsPatch
from server.settings.store import SettingsStore


def settings_blueprint(
    settings: SettingsStore, comfyui: ComfyUIConnectionSettings, providers: ProviderRegistry
) -> Blueprint:
    bp = Blueprint("settings", __name__)

    @bp.get("/api/settings")
    def read() -> Response:
        return jsonify(settings.public())

    @bp.patch("/api/settings")
    def update() -> Response:
        patch = parse_body(SettingsPatch)
        check_stage_choices(patch.llm, providers.presets())
        return jsonify(settings.public(settings.apply(patch)))

    @bp.put("/api/settings/safety-level")
    def safety_level() -> Response:
        return jsonify(settings.public(settings.change_safety_level(parse_body(SafetyLevelChange))))

    @bp.put("/api/settings/teacher-pin")
    def teacher_pin() -> Response:
        return jsonify(settings.public(settings.change_pin(parse_body(PinChange))))

    @bp.put("/api/settings/comfyui")
    def comfyui_connection() -> Response:
        result = comfyui.change(parse_body(ComfyUIChange))
        body = settings.public(result.settings)
        body["restart_needed"] = result.restart_needed
        body["command_line_override"] = result.command_line_override
        return jsonify(body)

    return bp
