"""The language of the person making the request."""

from __future__ import annotations

from flask import request

from server.i18n.translator import Language, pick_language
from server.settings.store import SettingsStore


def request_language(settings: SettingsStore) -> Language:
    return pick_language(request.headers.get("Accept-Language"), settings.current.language)
