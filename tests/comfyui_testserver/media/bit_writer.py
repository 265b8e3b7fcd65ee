"""Bit-level writers: most formats pack bits from the top of each byte, WebP lossless from the bottom."""


class MsbBitWriter:
    """Writes bits most significant first (H.264, JPEG, FLAC headers)."""

    def __init__(self) -> None:
        self._out = bytearray()
        self._acc = 0
        self._count = 0

    def bits(self, value: int, count: int) -> None:
        for shift in range(count - 1, -1, -1):
            self._acc = (self._acc << 1) | ((value >> shift) & 1)
            self._count += 1
            if self._count == 8:
                self._emit(self._acc)
                self._acc = 0
                self._count = 0

    def _emit(self, byte: int) -> None:
        self._out.append(byte)

    def flag(self, value: bool) -> None:
        self.bits(1 if value else 0, 1)

    def ue(self, value: int) -> None:
        """Unsigned Exp-Golomb code (H.264 ue(v))."""
        coded = value + 1
        length = coded.bit_length()
        self.bits(0, length - 1)
        self.bits(coded, length)

    def se(self, value: int) -> None:
        """Signed Exp-Golomb code (H.264 se(v))."""
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    @property
    def byte_aligned(self) -> bool:
        return self._count == 0

    def align_zero(self) -> None:
        while self._count:
            self.bits(0, 1)

    def align_one(self) -> None:
        while self._count:
            self.bits(1, 1)

    def raw(self, data: bytes) -> None:
        if self._count:
            for byte in data:
                self.bits(byte, 8)
        else:
            self._out += data

    def getvalue(self) -> bytes:
        if self._count:
            raise ValueError("bit stream is not byte aligned")
        return bytes(self._out)


class LsbBitWriter:
    """Writes bits least significant first (WebP lossless)."""

    def __init__(self) -> None:
        self._out = bytearray()
        self._acc = 0
        self._count = 0

    def bits(self, value: int, count: int) -> None:
        self._acc |= (value & ((1 << count) - 1)) << self._count
        self._count += count
        while self._count >= 8:
            self._out.append(self._acc & 0xFF)
            self._acc >>= 8
            self._count -= 8

    def getvalue(self) -> bytes:
        out = bytes(self._out)
        if self._count:
            out += bytes([self._acc & 0xFF])
        return out
