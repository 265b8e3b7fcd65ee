"""Is a file really the model format its name claims? Checked before a file is placed.

Only two formats are accepted, because both are pure data: ``.safetensors`` (8 bytes little-endian
header length, a JSON header that lists every tensor's byte range, then the tensor bytes) and
``.gguf`` (magic ``GGUF``, a version, counts). Pickle-based formats (``.ckpt``, ``.pt``, ``.pth``,
``.bin``) are refused outright: loading one runs whatever Python code it contains.
"""

from __future__ import annotations

import json
import struct
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

MODEL_SUFFIXES = frozenset({".safetensors", ".gguf"})
PICKLE_SUFFIXES = frozenset({".ckpt", ".pt", ".pth", ".bin", ".pkl", ".pickle"})

# The reference safetensors implementation refuses headers above 100 MB; real ones are a few hundred KB.
MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024
GGUF_MAGIC = b"GGUF"
GGUF_VERSIONS = frozenset({1, 2, 3})
# Far above any real model (a few thousand tensors, a few hundred metadata keys), far below garbage.
MAX_GGUF_COUNT = 1 << 24

# A PyTorch checkpoint is a zip archive or a bare pickle stream (protocol 2+ starts with 0x80).
_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_MAGIC = b"\x80"


class ModelFormat(StrEnum):
    SAFETENSORS = "safetensors"
    GGUF = "gguf"


class HeaderProblem(StrEnum):
    """Why a file is not accepted; each has a message code ``model_file_<value>``."""

    PICKLE_FORMAT = "pickle"  # a pickle suffix: never opened at all
    DISGUISED_PICKLE = "disguised_pickle"  # a model suffix, but a zip/pickle inside
    NOT_A_MODEL_FORMAT = "unsupported"
    UNREADABLE = "unreadable"
    INVALID_HEADER = "invalid_header"
    TRUNCATED = "truncated"


def model_format(path: Path) -> ModelFormat | None:
    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        return ModelFormat.SAFETENSORS
    if suffix == ".gguf":
        return ModelFormat.GGUF
    return None


def is_pickle_file(path: Path) -> bool:
    return path.suffix.lower() in PICKLE_SUFFIXES


def header_problem(path: Path, name: str | None = None) -> HeaderProblem | None:
    """None when the file's name and content agree on an accepted format. ``name``: the name the
    file will have, when it is checked under another one (a download's ``.part`` file)."""
    named = Path(name) if name else path
    if is_pickle_file(named):
        return HeaderProblem.PICKLE_FORMAT
    kind = model_format(named)
    if kind is None:
        return HeaderProblem.NOT_A_MODEL_FORMAT
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            start = handle.read(8)
            if start.startswith(_ZIP_MAGIC) or start.startswith(_PICKLE_MAGIC):
                return HeaderProblem.DISGUISED_PICKLE
            if kind is ModelFormat.SAFETENSORS:
                return _safetensors_problem(handle, start, size)
            return _gguf_problem(handle, start, size)
    except OSError:
        return HeaderProblem.UNREADABLE


def _safetensors_problem(handle: BinaryIO, start: bytes, size: int) -> HeaderProblem | None:
    if len(start) < 8:
        return HeaderProblem.INVALID_HEADER
    (header_length,) = struct.unpack("<Q", start)
    if header_length < 2 or header_length > MAX_SAFETENSORS_HEADER:
        return HeaderProblem.INVALID_HEADER
    if 8 + header_length > size:
        return HeaderProblem.TRUNCATED
    raw = handle.read(header_length)
    if len(raw) != header_length:
        return HeaderProblem.TRUNCATED
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return HeaderProblem.INVALID_HEADER
    if not isinstance(header, dict):
        return HeaderProblem.INVALID_HEADER
    ranges: list[tuple[int, int]] = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                return HeaderProblem.INVALID_HEADER
            continue
        tensor_range = _tensor_range(entry)
        if tensor_range is None:
            return HeaderProblem.INVALID_HEADER
        ranges.append(tensor_range)
    # The format requires the tensors to cover the data section without gaps: a shorter file was cut off.
    data_length = size - 8 - header_length
    position = 0
    for begin, end in sorted(ranges):
        if begin != position:
            return HeaderProblem.INVALID_HEADER
        position = end
    if position > data_length:
        return HeaderProblem.TRUNCATED
    if position != data_length:
        return HeaderProblem.INVALID_HEADER
    return None


def _tensor_range(entry: object) -> tuple[int, int] | None:
    if not isinstance(entry, dict):
        return None
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str) or not isinstance(shape, list):
        return None
    if not all(isinstance(dim, int) and not isinstance(dim, bool) and dim >= 0 for dim in shape):
        return None
    if not isinstance(offsets, list) or len(offsets) != 2:
        return None
    begin, end = offsets
    if not isinstance(begin, int) or not isinstance(end, int) or isinstance(begin, bool):
        return None
    if begin < 0 or end < begin:
        return None
    return begin, end


def _gguf_problem(handle: BinaryIO, start: bytes, size: int) -> HeaderProblem | None:
    if len(start) < 8 or start[:4] != GGUF_MAGIC:
        return HeaderProblem.INVALID_HEADER
    (version,) = struct.unpack("<I", start[4:8])
    if version not in GGUF_VERSIONS:
        return HeaderProblem.INVALID_HEADER
    # Version 1 counts with 32 bits, later versions with 64.
    count_format, count_size = ("<II", 8) if version == 1 else ("<QQ", 16)
    counts = handle.read(count_size)
    if len(counts) != count_size:
        return HeaderProblem.TRUNCATED
    tensors, metadata = struct.unpack(count_format, counts)
    if tensors > MAX_GGUF_COUNT or metadata > MAX_GGUF_COUNT:
        return HeaderProblem.INVALID_HEADER
    if size <= 8 + count_size:
        return HeaderProblem.TRUNCATED
    return None
