"""Message codes to text in the language of the person asking: the one place blueprints turn a
code and its params into words."""

from __future__ import annotations

from collections.abc import Mapping

from server.api.language import request_language
from server.i18n.translator import Language, Translator
from server.settings.store import SettingsStore


class LocalizedMessages:
    def __init__(self, translator: Translator, settings: SettingsStore) -> None:
        self._translator = translator
        self._settings = settings

    def language(self) -> Language:
        """The request's language (Accept-Language, else the settings'); only inside a request."""
        return request_language(self._settings)

    def has(self, code: str) -> bool:
        return self._translator.has(code)

    def text(
        self, code: str, params: Mapping[str, object] | None = None, language: Language | None = None
    ) -> str:
        """``language`` for texts made outside the request (an event stream keeps the one it began with)."""
        chosen = language if language is not None else self.language()
        return self._translator.translate(code, chosen, dict(params) if params is not None else None)
