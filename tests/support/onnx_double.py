"""A test double for the image check's detector: an ONNX file with NudeNet's input and output shape
that reports one label with a fixed score for any image. Only the flagged case uses it (a real
nude image has no place in this repository); the real model judges the real generated images.

The `onnx` package is not a dependency, so the few protobuf messages are written by hand
(field numbers from onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto).
"""

from __future__ import annotations

import struct
from pathlib import Path

from server.pipeline.safety.image_check import LABELS


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:  # length-delimited
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _value_info(name: str, dims: list[int | str]) -> bytes:
    dim_bytes = b"".join(_field(1, _int(1, d) if isinstance(d, int) else _field(2, d.encode())) for d in dims)
    tensor_type = _int(1, 1) + _field(2, dim_bytes)  # elem_type FLOAT, shape
    return _field(1, name.encode()) + _field(2, _field(1, tensor_type))


def write_flagging_detector(path: Path, label: str, score: float, anchors: int = 3) -> Path:
    """An ONNX model whose output0 is [1, 4 + 18, anchors] with ``label`` at ``score`` everywhere."""
    rows = 4 + len(LABELS)
    values = [0.0] * (rows * anchors)
    for anchor in range(anchors):
        values[0 * anchors + anchor] = 100.0  # box centre x, y, width, height (unused by the check)
        values[1 * anchors + anchor] = 100.0
        values[2 * anchors + anchor] = 50.0
        values[3 * anchors + anchor] = 50.0
        values[(4 + LABELS.index(label)) * anchors + anchor] = score
    tensor = (
        b"".join(_int(1, d) for d in (1, rows, anchors))
        + _int(2, 1)  # FLOAT
        + _field(4, struct.pack(f"<{len(values)}f", *values))
        + _field(8, b"value")
    )
    attribute = _field(1, b"value") + _field(5, tensor) + _int(20, 4)  # type TENSOR
    node = _field(2, b"output0") + _field(3, b"flag") + _field(4, b"Constant") + _field(5, attribute)
    graph = (
        _field(1, node)
        + _field(2, b"detector_double")
        + _field(11, _value_info("images", ["batch", 3, "height", "width"]))
        + _field(12, _value_info("output0", [1, rows, anchors]))
    )
    opset = _field(1, b"") + _int(2, 13)
    model = _int(1, 8) + _field(8, opset) + _field(7, graph)  # ir_version 8
    path.write_bytes(model)
    return path
