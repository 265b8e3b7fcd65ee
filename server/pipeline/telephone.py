"""The Telephone game's chain of languages: random, no language twice, ending where the teacher chose."""

from __future__ import annotations

import random


class PoolTooSmallError(ValueError):
    """The ticked languages cannot fill the rounds without a language coming twice."""

    def __init__(self, rounds: int, available: int) -> None:
        super().__init__(
            f"{rounds} rounds need {rounds - 1} languages besides the end language; {available} left"
        )
        self.rounds = rounds
        self.available = available


def language_chain(rounds: int, pool: list[str], home: str, end: str, rng: random.Random) -> list[str]:
    """``rounds`` target languages; the last is ``end`` (the student's own or English).

    The languages in between are drawn from ``pool`` without replacement, leaving out the language the
    idea starts in (``home``) and the end language, so no language appears twice in one chain.
    """
    candidates = [code for code in dict.fromkeys(pool) if code not in (home, end)]
    if len(candidates) < rounds - 1:
        raise PoolTooSmallError(rounds, len(candidates))
    return [*rng.sample(candidates, rounds - 1), end]
