"""FLAC files with 16-bit samples: constant subframes for silence, verbatim subframes otherwise."""

import struct
from collections.abc import Sequence

from .bit_writer import MsbBitWriter

_BLOCK = 4096


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def _utf8_number(value: int) -> bytes:
    """FLAC codes frame numbers like UTF-8 characters."""
    if value < 0x80:
        return bytes([value])
    return chr(value).encode("utf-8")


def _stream_info(sample_rate: int, channels: int, total: int) -> bytes:
    block = max(16, min(_BLOCK, total)) if total else _BLOCK
    writer = MsbBitWriter()
    writer.bits(block, 16)
    writer.bits(block, 16)
    writer.bits(0, 24)
    writer.bits(0, 24)
    writer.bits(sample_rate, 20)
    writer.bits(channels - 1, 3)
    writer.bits(15, 5)
    writer.bits(total, 36)
    writer.raw(bytes(16))  # MD5 of the samples: zero means "not computed"
    return writer.getvalue()


def _vorbis_comment(tags: dict[str, str]) -> bytes:
    vendor = b"ai4artsed test server"
    out = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(tags))
    for key, value in tags.items():
        entry = f"{key}={value}".encode()
        out += struct.pack("<I", len(entry)) + entry
    return out


def _metadata_block(kind: int, payload: bytes, last: bool) -> bytes:
    return bytes([(0x80 if last else 0) | kind]) + len(payload).to_bytes(3, "big") + payload


def encode_flac(
    channels: Sequence[Sequence[int]], sample_rate: int, tags: dict[str, str] | None = None
) -> bytes:
    """channels: one list of signed 16-bit samples per channel, all the same length."""
    count = len(channels[0]) if channels else 0
    out = bytearray(b"fLaC")
    out += _metadata_block(0, _stream_info(sample_rate, len(channels), count), last=False)
    out += _metadata_block(4, _vorbis_comment(tags or {}), last=True)
    for number, start in enumerate(range(0, count, _BLOCK)):
        size = min(_BLOCK, count - start)
        header = MsbBitWriter()
        header.bits(0b11111111111110, 14)
        header.bits(0, 1)
        header.bits(0, 1)  # fixed block size
        header.bits(0b0111, 4)  # block size: 16 bits at the end of the header
        header.bits(0b0000, 4)  # sample rate: from STREAMINFO
        header.bits(len(channels) - 1, 4)  # independent channels
        header.bits(0b100, 3)  # 16 bits per sample
        header.bits(0, 1)
        header.raw(_utf8_number(number))
        header.bits(size - 1, 16)
        head = header.getvalue()
        frame = bytearray(head + bytes([_crc8(head)]))
        for samples in channels:
            block = samples[start : start + size]
            first = block[0]
            if all(sample == first for sample in block):
                frame += b"\x00" + struct.pack(">h", first)
            else:
                frame += b"\x02" + struct.pack(f">{size}h", *block)
        frame += struct.pack(">H", _crc16(bytes(frame)))
        out += frame
    return bytes(out)
