"""MPEG-1 Layer III files of digital silence.

Encoding real MP3 audio is far beyond a test double; a frame whose side information says "no
coefficients" decodes to silence in every decoder, which is all a client needs to test playback.
"""

import math

_RATES = {44100: 0b00, 48000: 0b01, 32000: 0b10}
_BITRATE_INDEX = {128: 0b1001, 320: 0b1110}
_SAMPLES_PER_FRAME = 1152


def encode_silent_mp3(seconds: float, sample_rate: int, channels: int, kbps: int = 128) -> bytes:
    rate = min(_RATES, key=lambda r: abs(r - sample_rate))
    stereo = channels > 1
    frames = max(1, math.ceil(seconds * rate / _SAMPLES_PER_FRAME))
    side_info = 32 if stereo else 17
    out = bytearray()
    remainder = 0
    for _ in range(frames):
        # Alternate padding so the average frame length matches the bitrate exactly.
        remainder += 144 * kbps * 1000 % rate
        padding = 0
        if remainder >= rate:
            remainder -= rate
            padding = 1
        length = 144 * kbps * 1000 // rate + padding
        header = bytes(
            [
                0xFF,
                0xFB,
                (_BITRATE_INDEX[kbps] << 4) | (_RATES[rate] << 2) | (padding << 1),
                (0b00 if stereo else 0b11) << 6 | 0b0100,  # original, no emphasis
            ]
        )
        out += header + bytes(side_info) + bytes(length - 4 - side_info)
    return bytes(out)
