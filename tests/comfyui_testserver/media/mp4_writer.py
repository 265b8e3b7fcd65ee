"""MP4 (ISO BMFF) files holding one H.264 video track, with the index in front so playback starts at once."""

import struct

from . import h264_pcm

Rgb = tuple[int, int, int]

_UNITY_MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", len(payload) + 8) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def _avc_config(sps: bytes, pps: bytes) -> bytes:
    return _box(
        b"avcC",
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]),
        struct.pack(">H", len(sps)),
        sps,
        bytes([1]),
        struct.pack(">H", len(pps)),
        pps,
    )


def _moov(
    width: int,
    height: int,
    sizes: list[int],
    sync: list[int],
    delta: int,
    timescale: int,
    sps: bytes,
    pps: bytes,
    offset: int,
) -> bytes:
    count = len(sizes)
    duration_ms = count * delta * 1000 // timescale
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, 1000, duration_ms),
        struct.pack(">IH", 0x00010000, 0x0100),
        bytes(10),
        _UNITY_MATRIX,
        bytes(24),
        struct.pack(">I", 2),
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        3,
        struct.pack(">IIIII", 0, 0, 1, 0, duration_ms),
        bytes(8),
        struct.pack(">HHHH", 0, 0, 0, 0),
        _UNITY_MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _full_box(
        b"mdhd", 0, 0, struct.pack(">IIII", 0, 0, timescale, count * delta), struct.pack(">HH", 0x55C4, 0)
    )
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I", 0), b"vide", bytes(12), b"VideoHandler\x00")
    vmhd = _full_box(b"vmhd", 0, 1, bytes(8))
    dinf = _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))
    avc1 = _box(
        b"avc1",
        bytes(6),
        struct.pack(">H", 1),
        bytes(16),
        struct.pack(">HH", width, height),
        struct.pack(">II", 0x00480000, 0x00480000),
        bytes(4),
        struct.pack(">H", 1),
        bytes(32),
        struct.pack(">Hh", 0x0018, -1),
        _avc_config(sps, pps),
    )
    stsd = _full_box(b"stsd", 0, 0, struct.pack(">I", 1), avc1)
    stts = _full_box(b"stts", 0, 0, struct.pack(">III", 1, count, delta))
    stss = _full_box(b"stss", 0, 0, struct.pack(">I", len(sync)), struct.pack(f">{len(sync)}I", *sync))
    stsc = _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1))
    stsz = _full_box(b"stsz", 0, 0, struct.pack(">II", 0, count), struct.pack(f">{count}I", *sizes))
    stco = _full_box(b"stco", 0, 0, struct.pack(">II", 1, offset))
    stbl = _box(b"stbl", stsd, stts, stss, stsc, stsz, stco)
    minf = _box(b"minf", vmhd, dinf, stbl)
    mdia = _box(b"mdia", mdhd, hdlr, minf)
    trak = _box(b"trak", tkhd, mdia)
    return _box(b"moov", mvhd, trak)


def encode_mp4(width: int, height: int, frames: list[Rgb], fps: float) -> bytes:
    # H.264 4:2:0 needs even dimensions; the encoder crops from whole macroblocks.
    width -= width % 2
    height -= height % 2
    level = h264_pcm.level_for(width, height, fps)
    sps = h264_pcm.sequence_parameter_set(width, height, level)
    pps = h264_pcm.picture_parameter_set()
    samples: list[bytes] = []
    sync: list[int] = []
    frame_num = 0
    for index, rgb in enumerate(frames):
        if index and rgb == frames[index - 1]:
            frame_num += 1
            samples.append(h264_pcm.repeat_frame(width, height, frame_num))
        else:
            frame_num = 0
            sync.append(index + 1)
            samples.append(h264_pcm.idr_frame(width, height, rgb, len(sync) % 2))
    payload = [struct.pack(">I", len(sample)) + sample for sample in samples]
    sizes = [len(p) for p in payload]
    timescale = 90000
    delta = max(1, round(timescale / fps))
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    moov = _moov(width, height, sizes, sync, delta, timescale, sps, pps, 0)
    offset = len(ftyp) + len(moov) + 8
    moov = _moov(width, height, sizes, sync, delta, timescale, sps, pps, offset)
    mdat = _box(b"mdat", *payload)
    return ftyp + moov + mdat
