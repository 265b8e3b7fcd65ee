"""PNG and animated PNG files of solid-colour frames (zlib from the standard library)."""

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"

Rgb = tuple[int, int, int]


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _image_data(width: int, height: int, rgb: Rgb, level: int) -> bytes:
    row = b"\x00" + bytes(rgb) * width
    compressor = zlib.compressobj(level)
    out = bytearray()
    # Row by row keeps memory flat for large frames.
    rows_per_piece = max(1, 1_000_000 // len(row))
    piece = row * rows_per_piece
    done = 0
    while done < height:
        count = min(rows_per_piece, height - done)
        out += compressor.compress(piece if count == rows_per_piece else row * count)
        done += count
    out += compressor.flush()
    return bytes(out)


def _header(width: int, height: int) -> bytes:
    return _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))


def _text_chunks(text: dict[str, str]) -> bytes:
    return b"".join(
        _chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1", "replace"))
        for key, value in text.items()
    )


def encode_png(
    width: int, height: int, rgb: Rgb, text: dict[str, str] | None = None, level: int = 4
) -> bytes:
    return (
        SIGNATURE
        + _header(width, height)
        + _text_chunks(text or {})
        + _chunk(b"IDAT", _image_data(width, height, rgb, level))
        + _chunk(b"IEND", b"")
    )


def encode_apng(
    width: int, height: int, frames: list[Rgb], fps: float, text: dict[str, str] | None = None, level: int = 4
) -> bytes:
    """An animated PNG: the first frame is also the default image, later frames go into fdAT chunks."""
    delay_num = max(1, round(1000 / fps))
    out = bytearray(SIGNATURE + _header(width, height))
    out += _chunk(b"acTL", struct.pack(">II", len(frames), 0))
    out += _text_chunks(text or {})
    sequence = 0
    for index, rgb in enumerate(frames):
        control = struct.pack(">IIIIIHHBB", sequence, width, height, 0, 0, delay_num, 1000, 0, 0)
        out += _chunk(b"fcTL", control)
        sequence += 1
        data = _image_data(width, height, rgb, level)
        if index == 0:
            out += _chunk(b"IDAT", data)
        else:
            out += _chunk(b"fdAT", struct.pack(">I", sequence) + data)
            sequence += 1
    out += _chunk(b"IEND", b"")
    return bytes(out)
