"""The short code a student types to join a class: 6 characters nobody mistakes for one another.

Left out are letters and digits that look alike on a projector or in a child's handwriting
(0/O/Q/D, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V), so 19 remain: 47 million codes, and the failure
throttle (join_throttle.py) allows only a few thousand guesses a day.
"""

from __future__ import annotations

import hmac
import secrets

ALPHABET = "ACEFHJKMNPRTWXY3479"
LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str:
    """What a student typed, as a code: capitals, without spaces or dashes (``ab3 k7x`` -> ``AB3K7X``)."""
    return "".join(char for char in typed.upper() if char not in " -\t")


def code_matches(typed: str, code: str) -> bool:
    return hmac.compare_digest(normalize(typed).encode(), code.encode())
