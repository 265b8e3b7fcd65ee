"""Fills a cloud chunk's request template with a generation's values.

A string that is exactly one placeholder (``"{seed}"``) becomes the value itself, so numbers stay
numbers; any other string with placeholders (``"{width}x{height}"``) becomes text. The catalog loader
has already checked that every placeholder names a known parameter.
"""

from __future__ import annotations

import string
from typing import Any

from server.catalog.models import CloudChunk, MappedParameter
from server.comfyui.workflow_mapping import GenerationValues


def fill_request(chunk: CloudChunk, values: GenerationValues) -> dict[str, Any]:
    """A new request body; the chunk stays untouched."""
    filled = _fill(chunk.request, values)
    assert isinstance(filled, dict)
    return filled


def _fill(value: object, values: GenerationValues) -> object:
    if isinstance(value, str):
        return _fill_text(value, values)
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def _fill_text(text: str, values: GenerationValues) -> object:
    parts = list(string.Formatter().parse(text))
    if len(parts) == 1 and parts[0][0] == "" and parts[0][1]:
        # Exactly one placeholder and nothing else: the value keeps its type.
        value = values.get(MappedParameter(parts[0][1]))
        return "" if value is None else value
    pieces: list[str] = []
    for literal, name, _, _ in parts:
        pieces.append(literal)
        if name:
            value = values.get(MappedParameter(name))
            pieces.append("" if value is None else _as_text(value))
    return "".join(pieces)


def _as_text(value: object) -> str:
    # 1024.0 from a float default reads "1024" in a size like "1024x1024".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
