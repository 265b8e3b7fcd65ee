from __future__ import annotations

import pytest

from server.catalog.loader import CatalogLoader
from server.pipeline.language_guess import LanguageGuesser
from server.resources import Resources

GUESSER = LanguageGuesser(CatalogLoader(Resources.locate().app_root).load().languages)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A street party in the rain, with lanterns and the smell of wet asphalt.", "en"),
        ("Ein Straßenfest im Regen mit Laternen und dem Geruch von nassem Asphalt.", "de"),
        ("a red fox", "en"),
        ("Fuchs", "unknown"),
        ("", "unknown"),
        ("Une fête de rue sous la pluie avec des lanternes.", "unknown"),
    ],
)
def test_guess(text: str, expected: str) -> None:
    assert GUESSER.guess(text) == expected
