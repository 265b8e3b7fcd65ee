from __future__ import annotations

import itertools
import random

import pytest

from server.catalog.loader import CatalogLoader
from server.pipeline.language_guess import LanguageGuesser
from server.pipeline.telephone import language_chain
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


def test_chain_never_repeats_and_ends_at_home() -> None:
    pool = ["fr", "ja", "sw", "de"]
    for seed in range(200):
        chain = language_chain(5, pool, "de", random.Random(seed))
        assert len(chain) == 5
        assert chain[-1] == "de"
        assert "de" not in chain[:-1]
        assert all(a != b for a, b in itertools.pairwise(chain))


def test_chain_with_a_single_foreign_language_alternates_home() -> None:
    assert language_chain(2, ["fr", "de"], "de", random.Random(1)) == ["fr", "de"]


def test_chain_without_foreign_languages_is_refused() -> None:
    with pytest.raises(ValueError, match="other than"):
        language_chain(3, ["de"], "de", random.Random(1))
