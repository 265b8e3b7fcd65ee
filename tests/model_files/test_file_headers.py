"""Header checks: what is accepted as .safetensors / .gguf, and what is refused and why."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from pathlib import Path

import pytest

from server.model_files.file_headers import HeaderProblem, header_problem
from tests.model_files.model_files import gguf_bytes, safetensors_bytes, write_pickle_checkpoint


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _safetensors(tensors: Mapping[str, object], data_length: int) -> bytes:
    header = json.dumps(tensors).encode()
    return struct.pack("<Q", len(header)) + header + bytes(data_length)


def test_valid_files_are_accepted(tmp_path: Path) -> None:
    assert header_problem(_write(tmp_path / "a.safetensors", safetensors_bytes(b"x" * 100))) is None
    assert header_problem(_write(tmp_path / "b.gguf", gguf_bytes(b"y" * 100))) is None
    two = {
        "b": {"dtype": "F16", "shape": [2, 2], "data_offsets": [8, 16]},
        "a": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]},
    }
    assert header_problem(_write(tmp_path / "c.SafeTensors", _safetensors(two, 16))) is None
    # The name it will get decides the format (a download's .part file).
    assert header_problem(_write(tmp_path / "d.part", gguf_bytes(b"z")), "d.gguf") is None


@pytest.mark.parametrize("suffix", [".ckpt", ".pt", ".pth", ".bin", ".pkl"])
def test_pickle_formats_are_refused_without_being_opened(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    write_pickle_checkpoint(path, size=64)
    assert header_problem(path) is HeaderProblem.PICKLE_FORMAT


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("zip.safetensors", b"PK\x03\x04" + bytes(60), HeaderProblem.DISGUISED_PICKLE),
        ("pickle.gguf", b"\x80\x04\x95" + bytes(60), HeaderProblem.DISGUISED_PICKLE),
        ("text.safetensors", b"hello world, not a model at all", HeaderProblem.INVALID_HEADER),
        ("short.safetensors", b"\x02\x00", HeaderProblem.INVALID_HEADER),
        ("huge-header.safetensors", struct.pack("<Q", 10**12) + b"{}", HeaderProblem.INVALID_HEADER),
        ("cut-header.safetensors", struct.pack("<Q", 500) + b'{"a":', HeaderProblem.TRUNCATED),
        ("not-json.safetensors", struct.pack("<Q", 4) + b"{{{{", HeaderProblem.INVALID_HEADER),
        ("list.safetensors", struct.pack("<Q", 2) + b"[]", HeaderProblem.INVALID_HEADER),
        ("bad-magic.gguf", b"GGML" + bytes(40), HeaderProblem.INVALID_HEADER),
        ("bad-version.gguf", b"GGUF" + struct.pack("<I", 99) + bytes(40), HeaderProblem.INVALID_HEADER),
        ("cut.gguf", b"GGUF" + struct.pack("<I", 3) + bytes(4), HeaderProblem.TRUNCATED),
        (
            "absurd-counts.gguf",
            b"GGUF" + struct.pack("<I", 3) + struct.pack("<QQ", 2**40, 1) + bytes(8),
            HeaderProblem.INVALID_HEADER,
        ),
        ("notes.txt", b"anything", HeaderProblem.NOT_A_MODEL_FORMAT),
    ],
)
def test_broken_and_fake_files_are_refused(
    tmp_path: Path, name: str, data: bytes, problem: HeaderProblem
) -> None:
    assert header_problem(_write(tmp_path / name, data)) is problem


def test_tensor_ranges_must_cover_the_data_exactly(tmp_path: Path) -> None:
    tensor = {"dtype": "U8", "shape": [100], "data_offsets": [0, 100]}
    assert header_problem(_write(tmp_path / "ok.safetensors", _safetensors({"t": tensor}, 100))) is None
    # Cut off in the middle of the tensor data: an interrupted copy.
    assert header_problem(_write(tmp_path / "cut.safetensors", _safetensors({"t": tensor}, 60))) is (
        HeaderProblem.TRUNCATED
    )
    # Bytes after the last tensor, or a gap between tensors: not what the format allows.
    assert header_problem(_write(tmp_path / "long.safetensors", _safetensors({"t": tensor}, 120))) is (
        HeaderProblem.INVALID_HEADER
    )
    gap = {
        "a": {"dtype": "U8", "shape": [10], "data_offsets": [0, 10]},
        "b": {"dtype": "U8", "shape": [10], "data_offsets": [20, 30]},
    }
    assert header_problem(_write(tmp_path / "gap.safetensors", _safetensors(gap, 30))) is (
        HeaderProblem.INVALID_HEADER
    )
    wrong = {"t": {"dtype": "U8", "shape": [10], "data_offsets": [10, 0]}}
    assert header_problem(_write(tmp_path / "wrong.safetensors", _safetensors(wrong, 10))) is (
        HeaderProblem.INVALID_HEADER
    )
    missing_dtype = {"t": {"shape": [10], "data_offsets": [0, 10]}}
    assert header_problem(_write(tmp_path / "nodtype.safetensors", _safetensors(missing_dtype, 10))) is (
        HeaderProblem.INVALID_HEADER
    )


def test_an_unreadable_file_is_reported_as_such(tmp_path: Path) -> None:
    assert header_problem(tmp_path / "gone.safetensors") is HeaderProblem.UNREADABLE
