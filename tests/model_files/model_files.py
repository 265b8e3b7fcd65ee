"""Small model files with valid headers (and a few broken ones) for the model tests.

A safetensors file here holds one uint8 tensor; a GGUF file holds the magic, version 3 and two
zero counts followed by some bytes. ``sparse=True`` makes a file of any size without writing its
body (the file system keeps the zeros as holes), for space and cancel tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path


def safetensors_bytes(payload: bytes, *, name: str = "weight") -> bytes:
    header = json.dumps(
        {
            "__metadata__": {"format": "pt"},
            name: {"dtype": "U8", "shape": [len(payload)], "data_offsets": [0, len(payload)]},
        }
    ).encode("utf-8")
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + payload


def write_safetensors(path: Path, payload: bytes) -> str:
    """Writes the file and returns its sha256."""
    data = safetensors_bytes(payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def write_sparse_safetensors(path: Path, size: int) -> None:
    """A valid safetensors file of ``size`` bytes whose tensor bytes are holes (zeros, no disk space)."""
    # The header length depends on the digits of the tensor size; a few passes settle it.
    data_length = size - len(_header(size))
    for _ in range(3):
        head = _header(data_length)
        data_length = size - len(head)
    head = _header(data_length)
    assert len(head) + data_length == size
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)


def _header(data_length: int) -> bytes:
    header = json.dumps(
        {"weight": {"dtype": "U8", "shape": [data_length], "data_offsets": [0, data_length]}}
    ).encode("utf-8")
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header


def gguf_bytes(payload: bytes) -> bytes:
    return b"GGUF" + struct.pack("<I", 3) + struct.pack("<QQ", 0, 0) + payload


def write_gguf(path: Path, payload: bytes) -> str:
    data = gguf_bytes(payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def write_pickle_checkpoint(path: Path, size: int = 2 * 1024 * 1024) -> None:
    """What a PyTorch .ckpt looks like from outside: a zip archive (never loaded by anyone here)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04" + os.urandom(size - 4))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
