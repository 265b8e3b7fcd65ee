"""The Telephone game's chain of languages: random, never the same twice in a row, home at the end."""

from __future__ import annotations

import random


def language_chain(rounds: int, pool: list[str], home: str, rng: random.Random) -> list[str]:
    """``rounds`` target languages; the last is the student's own (``home``).

    The languages in between come from ``pool`` without the home language, and no language follows
    itself (the home language never directly precedes the final round either).
    """
    candidates = [code for code in dict.fromkeys(pool) if code != home]
    if len(candidates) < 1:
        raise ValueError("the Telephone game needs at least one language other than the student's")
    chain: list[str] = []
    previous = home
    for _ in range(rounds - 1):
        choices = [code for code in candidates if code != previous] or candidates
        previous = rng.choice(choices)
        chain.append(previous)
    chain.append(home)
    return chain
