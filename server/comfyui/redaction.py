"""Hides the machine's folder names in text the UI shows (ComfyUI's logs and errors are full of them)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class PathRedactor:
    """Replaces known folders by short placeholders, longest first, so nested folders keep their name."""

    def __init__(self, placeholders: Mapping[Path, str], home: Path | None = None) -> None:
        pairs: dict[str, str] = {}
        for folder, placeholder in {**placeholders, **({home: "~"} if home else {})}.items():
            for spelling in {str(folder), folder.as_posix()}:
                if len(spelling) > 1:  # never replace "/" alone
                    pairs.setdefault(spelling, placeholder)
        self._pairs = sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True)

    def __call__(self, text: str) -> str:
        for spelling, placeholder in self._pairs:
            if spelling in text:
                text = text.replace(spelling, placeholder)
        return text


def no_redaction(text: str) -> str:
    return text
