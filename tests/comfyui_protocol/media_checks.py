"""Checks that a file really is what its content type says, by its magic bytes and headers."""

import struct


def check_png(data: bytes) -> str | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return "not a PNG (signature + IHDR)"
    width, height = struct.unpack(">II", data[16:24])
    return None if width > 0 and height > 0 else "PNG with an empty size"


def check_flac(data: bytes) -> str | None:
    if data[:4] != b"fLaC" or data[4] & 0x7F != 0 or int.from_bytes(data[5:8], "big") != 34:
        return "not a FLAC (fLaC + STREAMINFO)"
    info = int.from_bytes(data[18:26], "big")
    return None if info >> 44 > 0 else "FLAC without a sample rate"


def check_mp3(data: bytes) -> str | None:
    offset = 0
    if data[:3] == b"ID3":
        size = data[6:10]
        offset = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])
    if len(data) < offset + 4 or data[offset] != 0xFF or data[offset + 1] & 0xE0 != 0xE0:
        return "not an MP3 (frame sync)"
    return None


def check_mp4(data: bytes) -> str | None:
    if data[4:8] != b"ftyp":
        return "not an MP4 (ftyp)"
    return None if b"moov" in data and b"mdat" in data else "MP4 without moov/mdat"


def check_webp(data: bytes) -> str | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return "not a WEBP (RIFF....WEBP)"
    return None if int.from_bytes(data[4:8], "little") == len(data) - 8 else "WEBP with a wrong RIFF size"


def check_jpeg(data: bytes) -> str | None:
    return None if data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9" else "not a JPEG (SOI/EOI)"


def check_ogg(data: bytes) -> str | None:
    return None if data[:4] == b"OggS" and b"OpusHead" in data[:64] else "not an Ogg Opus file"


CHECKS = {
    "image/png": check_png,
    "audio/flac": check_flac,
    "audio/mpeg": check_mp3,
    "video/mp4": check_mp4,
    "image/webp": check_webp,
    "image/jpeg": check_jpeg,
    "audio/ogg": check_ogg,
}


def check_media(content_type: str | None, data: bytes) -> str | None:
    check = CHECKS.get((content_type or "").split(";")[0].strip())
    return check(data) if check else None
