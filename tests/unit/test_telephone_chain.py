"""The Telephone game's chain: no language twice, the rounds and the end language the teacher chose."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from server.catalog.loader import CatalogLoader
from server.catalog.models import EndLanguage, Recursion
from server.pipeline.telephone import PoolTooSmallError, language_chain
from server.resources import Resources

CATALOG = CatalogLoader(Resources.locate().app_root).load()
SEEDS = range(1000)


def _case(seed: int) -> tuple[int, list[str], str, str, random.Random]:
    """A random game: rounds, a pool large enough for them, the student's language, the end language."""
    rng = random.Random(seed)
    known = sorted(CATALOG.languages.languages)
    rounds = rng.randint(3, 10)
    home = rng.choice(["de", "en"])
    end = rng.choice([home, "en"])
    pool = rng.sample(known, rng.randint(rounds + 1, len(known)))
    return rounds, pool, home, end, rng


def test_no_language_repeats_in_a_chain_over_many_seeds() -> None:
    for seed in SEEDS:
        rounds, pool, home, end, rng = _case(seed)
        chain = language_chain(rounds, pool, home, end, rng)
        assert len(chain) == rounds, seed
        assert chain[-1] == end, seed
        assert len(set(chain)) == len(chain), (seed, chain)
        # The idea starts in the student's language: it is not a stop on the way either.
        assert home not in chain[:-1], (seed, chain)
        assert set(chain[:-1]) <= set(pool), (seed, chain)


def test_the_shipped_telephone_has_eight_rounds_and_a_pool_of_fifteen() -> None:
    recursion = CATALOG.interceptions["telephone"].recursion
    assert recursion is not None
    assert recursion.rounds == 8
    assert len(set(recursion.languages)) >= 15
    assert recursion.end_language is EndLanguage.STUDENT
    for seed in SEEDS:
        for home in ("de", "en"):
            chain = language_chain(recursion.rounds, recursion.languages, home, home, random.Random(seed))
            assert len(set(chain)) == recursion.rounds


def test_a_pool_too_small_for_the_rounds_is_refused() -> None:
    with pytest.raises(PoolTooSmallError):
        language_chain(5, ["fr", "ja", "de", "sw"], "de", "de", random.Random(1))
    with pytest.raises(ValidationError, match="5 rounds need at least 5 different languages"):
        Recursion(rounds=5, languages=["fr", "ja", "sw", "fi"])


@pytest.mark.parametrize("rounds", [2, 11])
def test_rounds_outside_three_to_ten_are_refused(rounds: int) -> None:
    with pytest.raises(ValidationError):
        Recursion(rounds=rounds, languages=sorted(CATALOG.languages.languages))
