"""GET/PATCH /api/settings."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from server.api.request_body import parse_body
from server.settings.models import SettingsPatch
from server.settings.store import SettingsStore


def settings_blueprint(settings: SettingsStore) -> Blueprint:
    bp = Blueprint("settings", __name__)

    @bp.get("/api/settings")
    def read() -> Response:
        return jsonify(settings.current.model_dump(mode="json"))

    @bp.patch("/api/settings")
    def update() -> Response:
        changed = settings.apply(parse_body(SettingsPatch))
        return jsonify(changed.model_dump(mode="json"))

    return bp
