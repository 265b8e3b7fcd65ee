"""Reads the media files out of a cloud provider's JSON answer, as a cloud chunk's ``response`` says."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from server.catalog.models import CloudMediaEncoding, CloudResponseMapping
from server.cloud.media_bytes import sniff_mime_type

_DATA_URI = re.compile(r"^data:(?P<mime>[a-z]+/[a-z0-9.+\-]+)(?:;[a-z0-9=._\-]+)*;base64,", re.IGNORECASE)


@dataclass(frozen=True)
class CloudMedia:
    data: bytes
    mime_type: str


class UnreadableMediaError(ValueError):
    """A value at the mapped place is not a file in the promised encoding (the text says why, for logs)."""


def find_values(answer: object, path: list[str | int]) -> list[object]:
    """Every value at ``path``; ``"*"`` fans out over a list. Missing steps give no values."""
    current: list[object] = [answer]
    for step in path:
        following: list[object] = []
        for value in current:
            if step == "*":
                if isinstance(value, list):
                    following.extend(value)
            elif isinstance(step, int):
                if isinstance(value, list) and step < len(value):
                    following.append(value[step])
            elif isinstance(value, dict) and step in value:
                following.append(value[step])
        current = following
    return current


def extract_media(answer: object, mapping: CloudResponseMapping) -> list[CloudMedia]:
    """The files in the answer (none if the path leads nowhere); raises UnreadableMediaError."""
    media: list[CloudMedia] = []
    for value in find_values(answer, list(mapping.path)):
        if value is None:
            continue
        if not isinstance(value, str):
            raise UnreadableMediaError(f"expected a string at the mapped place, found {type(value).__name__}")
        if mapping.encoding is CloudMediaEncoding.DATA_URI:
            media.append(_from_data_uri(value))
        else:
            media.append(_from_base64(value, mapping.mime_type))
    return media


def _from_data_uri(value: str) -> CloudMedia:
    match = _DATA_URI.match(value)
    if match is None:
        raise UnreadableMediaError("not a base64 data URI")
    data = _decode(value[match.end() :])
    # The bytes say what they are more reliably than the label in front of them.
    return CloudMedia(data=data, mime_type=sniff_mime_type(data) or match.group("mime").lower())


def _from_base64(value: str, fallback: str | None) -> CloudMedia:
    data = _decode(value)
    mime = sniff_mime_type(data) or fallback
    if mime is None:
        raise UnreadableMediaError("the bytes are of an unknown kind and the chunk names no mime_type")
    return CloudMedia(data=data, mime_type=mime)


def _decode(text: str) -> bytes:
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UnreadableMediaError(f"not valid base64: {exc}") from None
    if not data:
        raise UnreadableMediaError("empty file")
    return data
