"""Baseline JPEG of a vertical colour gradient, coded with DC coefficients only.

Every 8x8 block is flat, so each block needs one DC difference and an end-of-block code. The Huffman
tables are our own small ones (12 DC categories of 4 bits each, and a one-symbol AC table holding
only end-of-block), which baseline decoders accept like any other table.
"""

import struct

from .bit_writer import MsbBitWriter

Rgb = tuple[int, int, int]

_DC_QUANT = 8


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload


class _EntropyWriter(MsbBitWriter):
    """JPEG's entropy-coded data: a 0xFF byte is followed by a stuffed 0x00, the end padded with ones."""

    def _emit(self, byte: int) -> None:
        super()._emit(byte)
        if byte == 0xFF:
            super()._emit(0x00)

    def finish(self) -> bytes:
        self.align_one()
        return self.getvalue()


def _ycbcr(rgb: Rgb) -> tuple[float, float, float]:
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return y, cb, cr


def _write_dc(writer: _EntropyWriter, diff: int) -> None:
    category = abs(diff).bit_length()
    writer.bits(category, 4)
    if category:
        writer.bits(diff if diff > 0 else diff + (1 << category) - 1, category)
    writer.bits(0, 1)  # end of block: the only AC symbol


def encode_jpeg(width: int, height: int, top: Rgb, bottom: Rgb, quality_note: str = "") -> bytes:
    blocks_x = (width + 7) // 8
    blocks_y = (height + 7) // 8
    header = bytearray(b"\xff\xd8")
    header += _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    if quality_note:
        header += _segment(0xFE, quality_note.encode("ascii", "replace"))
    header += _segment(0xDB, bytes([0, _DC_QUANT]) + bytes([1] * 63))
    header += _segment(
        0xC0, struct.pack(">BHHB", 8, height, width, 3) + bytes([1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0])
    )
    dc_bits = bytes([0, 0, 0, 12] + [0] * 12)
    header += _segment(0xC4, bytes([0x00]) + dc_bits + bytes(range(12)))
    ac_bits = bytes([1] + [0] * 15)
    header += _segment(0xC4, bytes([0x10]) + ac_bits + bytes([0x00]))
    header += _segment(0xDA, bytes([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]))
    writer = _EntropyWriter()
    previous = [0, 0, 0]
    for by in range(blocks_y):
        t = by / max(1, blocks_y - 1)
        rgb = (
            round(top[0] + (bottom[0] - top[0]) * t),
            round(top[1] + (bottom[1] - top[1]) * t),
            round(top[2] + (bottom[2] - top[2]) * t),
        )
        levels = [round(8 * (c - 128) / _DC_QUANT) for c in _ycbcr(rgb)]
        for _ in range(blocks_x):
            for component in range(3):
                _write_dc(writer, levels[component] - previous[component])
                previous[component] = levels[component]
    return bytes(header) + writer.finish() + b"\xff\xd9"
