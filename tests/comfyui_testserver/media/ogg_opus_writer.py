"""Ogg Opus files of silence: every packet is the well-known 3-byte silent 20 ms CELT frame."""

import math
import struct

_SILENT_FRAME = bytes([0xF8, 0xFF, 0xFE])
_SAMPLES_PER_PACKET = 960  # 20 ms at 48 kHz, the rate Opus granule positions count in
_PRE_SKIP = 312
_PACKETS_PER_PAGE = 50


def _crc_table() -> list[int]:
    table = []
    for index in range(256):
        crc = index << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
        table.append(crc)
    return table


_TABLE = _crc_table()


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _TABLE[((crc >> 24) ^ byte) & 0xFF]
    return crc


def _page(packets: list[bytes], granule: int, serial: int, sequence: int, header_type: int) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += bytes([255]) * (len(packet) // 255) + bytes([len(packet) % 255])
    head = struct.pack("<4sBBqIIIB", b"OggS", 0, header_type, granule, serial, sequence, 0, len(lacing))
    page = head + bytes(lacing) + b"".join(packets)
    crc = _ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def encode_silent_opus(seconds: float, sample_rate: int, channels: int, serial: int = 0x41344145) -> bytes:
    channels = min(2, max(1, channels))
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, channels, _PRE_SKIP, sample_rate, 0, 0)
    vendor = b"ai4artsed test server"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    out = bytearray(_page([head], 0, serial, 0, 0x02))
    out += _page([tags], 0, serial, 1, 0x00)
    total = max(1, math.ceil(seconds * 48000 / _SAMPLES_PER_PACKET))
    sequence = 2
    written = 0
    while written < total:
        count = min(_PACKETS_PER_PAGE, total - written)
        written += count
        last = written == total
        granule = (
            _PRE_SKIP + min(written * _SAMPLES_PER_PACKET, round(seconds * 48000))
            if last
            else (_PRE_SKIP + written * _SAMPLES_PER_PACKET)
        )
        out += _page([_SILENT_FRAME] * count, granule, serial, sequence, 0x04 if last else 0x00)
        sequence += 1
    return bytes(out)
