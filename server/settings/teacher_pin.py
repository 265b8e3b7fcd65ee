"""The teacher PIN: stored only as a salted scrypt hash, checked in constant time.

It guards the safety level (and with it the research mode, which switches every check off), so a
student at the same computer cannot change it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import BaseModel, ConfigDict

PIN_PATTERN = r"^\d{4,12}$"
# scrypt cost: ~50 ms on a school laptop, plenty against guessing a PIN by hand at the keyboard.
_N, _R, _P = 2**14, 8, 1


class PinHash(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    salt: str
    hash: str


def hash_pin(pin: str) -> PinHash:
    salt = secrets.token_bytes(16)
    return PinHash(salt=salt.hex(), hash=_derive(pin, salt).hex())


def pin_matches(pin: str, stored: PinHash) -> bool:
    derived = _derive(pin, bytes.fromhex(stored.salt))
    return hmac.compare_digest(derived, bytes.fromhex(stored.hash))


def _derive(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
