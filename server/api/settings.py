"""GET/PATCH /api/settings."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from server.api.request_body import parse_body
from server.settings.models import PinChange, SafetyLevelChange, SettingsPatch
from server.settings.store import SettingsStore


def settings_blueprint(settings: SettingsStore) -> Blueprint:
    bp = Blueprint("settings", __name__)

    @bp.get("/api/settings")
    def read() -> Response:
        return jsonify(settings.public())

    @bp.patch("/api/settings")
    def update() -> Response:
        return jsonify(settings.public(settings.apply(parse_body(SettingsPatch))))

    @bp.put("/api/settings/safety-level")
    def safety_level() -> Response:
        return jsonify(settings.public(settings.change_safety_level(parse_body(SafetyLevelChange))))

    @bp.put("/api/settings/teacher-pin")
    def teacher_pin() -> Response:
        return jsonify(settings.public(settings.change_pin(parse_body(PinChange))))

    return bp
