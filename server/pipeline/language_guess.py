"""Tells German from English (and neither) by counting common function words.

Good enough to decide whether a text still needs translating to English before generation; anything
unclear is treated as not English, because translating an English text costs one LLM call while
skipping a German one would put German words into an English-only model.
"""

from __future__ import annotations

import re
from typing import Literal

from server.catalog.models import LanguagesFile

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

Guess = Literal["de", "en", "unknown"]


class LanguageGuesser:
    def __init__(self, languages: LanguagesFile) -> None:
        self._stopwords = {code: frozenset(words) for code, words in languages.stopwords.items()}

    def guess(self, text: str) -> Guess:
        words = [word.lower() for word in _WORD.findall(text)]
        if not words:
            return "unknown"
        english = sum(word in self._stopwords.get("en", frozenset()) for word in words)
        german = sum(word in self._stopwords.get("de", frozenset()) for word in words)
        if english >= 2 and english >= 2 * german:
            return "en"
        if german >= 2 and german >= 2 * english:
            return "de"
        if len(words) <= 4 and english and not german:
            # Short prompts ("a red fox in the snow") have few function words.
            return "en"
        return "unknown"
