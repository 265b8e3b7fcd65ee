"""The teacher PIN: stored only as a salted scrypt hash, checked in constant time.

It guards the safety level (and with it the research mode, which switches every check off), so a
student at the same computer cannot change it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from pydantic import BaseModel, ConfigDict

from server.errors import AppError, ErrorKind

# ASCII digits only: Python's and pydantic's \d also match full-width and other scripts' digits,
# which a teacher cannot type the same way on another keyboard (and which encode differently).
_PIN_FORMAT = re.compile(r"[0-9]{4,12}", re.ASCII)
# scrypt cost: ~50 ms on a school laptop; guessing is slowed down by the throttle (pin_throttle.py).
_N, _R, _P = 2**14, 8, 1


class PinHash(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    salt: str
    hash: str


def require_pin_format(pin: str) -> str:
    """Refuses anything but 4 to 12 ASCII digits with a message that says so (400)."""
    if _PIN_FORMAT.fullmatch(pin) is None:
        raise AppError("pin_format", ErrorKind.INVALID_INPUT)
    return pin


def hash_pin(pin: str) -> PinHash:
    salt = secrets.token_bytes(16)
    return PinHash(salt=salt.hex(), hash=derive(pin, salt).hex())


def pin_matches(pin: str, stored: PinHash) -> bool:
    derived = derive(pin, bytes.fromhex(stored.salt))
    return hmac.compare_digest(derived, bytes.fromhex(stored.hash))


def derive(pin: str, salt: bytes) -> bytes:
    """The slow part (scrypt); callers must not hold the settings lock while it runs."""
    return hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
