"""A small, valid PNG (one colour, from a seed text), written without an image library."""

from __future__ import annotations

import hashlib
import struct
import zlib


def solid_png(seed_text: str, width: int = 32, height: int = 32) -> bytes:
    red, green, blue = hashlib.sha256(seed_text.encode("utf-8")).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * width  # filter type 0, then RGB pixels
    pixels = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bit, truecolour
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
