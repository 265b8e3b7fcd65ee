"""API keys (status, set, replace, delete: never the key itself) and the offline mode switch."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.api.request_body import parse_body
from server.cloud.api_keys import ApiKeys, KeyChange, KeyRemoval
from server.cloud.offline_mode import OfflineMode
from server.settings.models import OfflineChange
from server.settings.store import SettingsStore


def secrets_blueprint(keys: ApiKeys, offline_mode: OfflineMode, settings: SettingsStore) -> Blueprint:
    bp = Blueprint("secrets", __name__)

    @bp.get("/api/keys")
    def list_keys() -> Response:
        return jsonify({"keys": [status.model_dump() for status in keys.statuses()]})

    @bp.put("/api/keys/<name>")
    def set_key(name: str) -> Response:
        return jsonify(keys.set(name, parse_body(KeyChange)).model_dump())

    @bp.delete("/api/keys/<name>")
    def delete_key(name: str) -> Response:
        # The PIN travels in a JSON body; without a PIN set, an empty request is fine.
        removal = parse_body(KeyRemoval) if request.content_length else KeyRemoval()
        return jsonify(keys.delete(name, removal).model_dump())

    @bp.put("/api/settings/offline")
    def offline() -> Response:
        return jsonify(settings.public(offline_mode.change(parse_body(OfflineChange))))

    return bp
