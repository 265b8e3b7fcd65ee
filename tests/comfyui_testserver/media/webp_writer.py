"""Animated WebP of solid-colour frames, each frame coded losslessly (VP8L).

A solid frame needs no pixel bits at all: each of the five prefix codes holds a single symbol, so
every pixel decodes from zero bits.
"""

import struct

from .bit_writer import LsbBitWriter

Rgb = tuple[int, int, int]


def _chunk(kind: bytes, data: bytes) -> bytes:
    pad = b"\x00" if len(data) % 2 else b""
    return kind + struct.pack("<I", len(data)) + data + pad


def _single_symbol_code(writer: LsbBitWriter, symbol: int) -> None:
    writer.bits(1, 1)  # simple code
    writer.bits(0, 1)  # one symbol
    if symbol < 2:
        writer.bits(0, 1)
        writer.bits(symbol, 1)
    else:
        writer.bits(1, 1)
        writer.bits(symbol, 8)


def _vp8l_solid(width: int, height: int, rgb: Rgb) -> bytes:
    writer = LsbBitWriter()
    writer.bits(0x2F, 8)
    writer.bits(width - 1, 14)
    writer.bits(height - 1, 14)
    writer.bits(0, 1)  # no alpha used
    writer.bits(0, 3)  # version
    writer.bits(0, 1)  # no transforms
    writer.bits(0, 1)  # no colour cache
    writer.bits(0, 1)  # no meta prefix codes
    red, green, blue = rgb
    for symbol in (green, red, blue, 255, 0):
        _single_symbol_code(writer, symbol)
    return writer.getvalue()


def _u24(value: int) -> bytes:
    return value.to_bytes(3, "little")


def encode_animated_webp(width: int, height: int, frames: list[Rgb], fps: float) -> bytes:
    duration = max(1, int(1000.0 / fps))
    body = bytearray(b"WEBP")
    body += _chunk(b"VP8X", bytes([0x02, 0, 0, 0]) + _u24(width - 1) + _u24(height - 1))
    body += _chunk(b"ANIM", bytes([255, 255, 255, 255]) + struct.pack("<H", 0))
    for rgb in frames:
        frame = _u24(0) + _u24(0) + _u24(width - 1) + _u24(height - 1) + _u24(duration) + bytes([0x02])
        body += _chunk(b"ANMF", frame + _chunk(b"VP8L", _vp8l_solid(width, height, rgb)))
    return b"RIFF" + struct.pack("<I", len(body)) + bytes(body)
