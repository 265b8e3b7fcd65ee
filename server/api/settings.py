"""GET/PATCH /api/settings, and the guarded or checked changes (safety level, PIN, ComfyUI)."""

from __future__ import annotations

from flask import Blueprint, Response

from server.api.answers import ComfyUIChangeAnswer, PublicSettings
from server.api.contract import answer
from server.api.request_body import parse_body
from server.comfyui.connection_settings import ComfyUIConnectionSettings
from server.llm.provider_registry import ProviderRegistry
from server.settings.llm_choices import check_stage_choices
from server.settings.models import ComfyUIChange, PinChange, SafetyLevelChange, Settings, SettingsPatch
from server.settings.store import SettingsStore


def public_settings(store: SettingsStore, settings: Settings | None = None) -> PublicSettings:
    """What the UI may see of the settings (``current`` unless given), with what the policy fixes."""
    return PublicSettings.model_validate(store.public(settings))


def settings_blueprint(
    settings: SettingsStore, comfyui: ComfyUIConnectionSettings, providers: ProviderRegistry
) -> Blueprint:
    bp = Blueprint("settings", __name__)

    @bp.get("/api/settings")
    def read() -> tuple[Response, int]:
        return answer(public_settings(settings))

    @bp.patch("/api/settings")
    def update() -> tuple[Response, int]:
        patch = parse_body(SettingsPatch)
        check_stage_choices(patch.llm, providers.presets())
        return answer(public_settings(settings, settings.apply(patch)))

    @bp.put("/api/settings/safety-level")
    def safety_level() -> tuple[Response, int]:
        return answer(public_settings(settings, settings.change_safety_level(parse_body(SafetyLevelChange))))

    @bp.put("/api/settings/teacher-pin")
    def teacher_pin() -> tuple[Response, int]:
        return answer(public_settings(settings, settings.change_pin(parse_body(PinChange))))

    @bp.put("/api/settings/comfyui")
    def comfyui_connection() -> tuple[Response, int]:
        result = comfyui.change(parse_body(ComfyUIChange))
        return answer(
            ComfyUIChangeAnswer(
                **dict(public_settings(settings, result.settings)),
                restart_needed=result.restart_needed,
                command_line_override=result.command_line_override,
            )
        )

    return bp
