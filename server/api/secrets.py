"""API keys (status, set, replace, delete: never the key itself) and the offline mode switch."""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.api.answers import KeyList
from server.api.contract import answer
from server.api.request_body import parse_body
from server.api.settings import public_settings
from server.cloud.api_keys import ApiKeys, KeyChange, KeyRemoval
from server.cloud.offline_mode import OfflineMode
from server.settings.models import OfflineChange
from server.settings.store import SettingsStore


def secrets_blueprint(keys: ApiKeys, offline_mode: OfflineMode, settings: SettingsStore) -> Blueprint:
    bp = Blueprint("secrets", __name__)

    @bp.get("/api/keys")
    def list_keys() -> tuple[Response, int]:
        return answer(KeyList(keys=keys.statuses()))

    @bp.put("/api/keys/<name>")
    def set_key(name: str) -> tuple[Response, int]:
        return answer(keys.set(name, parse_body(KeyChange)))

    @bp.delete("/api/keys/<name>")
    def delete_key(name: str) -> tuple[Response, int]:
        # The PIN travels in a JSON body; without a PIN set, an empty request is fine.
        removal = parse_body(KeyRemoval) if request.content_length else KeyRemoval()
        return answer(keys.delete(name, removal))

    @bp.put("/api/settings/offline")
    def offline() -> tuple[Response, int]:
        return answer(public_settings(settings, offline_mode.change(parse_body(OfflineChange))))

    return bp
