"""A student's login: an HMAC-signed cookie value bound to one class.

The key is a random secret of the open class, held only in memory: closing the class (or quitting
the app) forgets it, so every cookie of that class is worthless at once, without a list of issued
cookies. The value names the student; the class registry refuses a removed student's cookie even
though its signature is still right.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

COOKIE_NAME = "ai4artsed_class"
SECRET_BYTES = 32


class StudentCookies:
    def __init__(self, class_id: str, secret: bytes | None = None) -> None:
        self._class_id = class_id
        self._secret = secret or secrets.token_bytes(SECRET_BYTES)

    def issue(self, student_id: str) -> str:
        return f"{student_id}.{self._signature(student_id)}"

    def student_id(self, value: str | None) -> str | None:
        """The student a cookie value names, if this class signed it; None for anything else."""
        if not value or value.count(".") != 1:
            return None
        student_id, signature = value.split(".")
        if not student_id or not hmac.compare_digest(
            signature.encode(), self._signature(student_id).encode()
        ):
            return None
        return student_id

    def _signature(self, student_id: str) -> str:
        # The class id is part of what is signed: a cookie of one class never fits another.
        mac = hmac.new(self._secret, f"{self._class_id}|{student_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")
