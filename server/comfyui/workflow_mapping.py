"""Puts a generation's parameters into a copy of an output chunk's API-format workflow.

The chunk says where each parameter goes (``input_mappings``: parameter -> node id + input name);
the catalog loader has already checked that every target exists. A value takes the type of the
value it replaces, so a duration can fill an INT input and a step count a FLOAT one.
"""

from __future__ import annotations

import copy
import re
import secrets
from dataclasses import dataclass, field
from typing import Literal

from server.catalog.models import ComfyUIChunk, MappedParameter, OutputDefaults

# ComfyUI accepts seeds up to 2**64-1; staying below 2**53 keeps them exact in JavaScript.
MAX_SEED = 2**53 - 1

Seed = int | Literal["random"]


@dataclass(frozen=True)
class GenerationValues:
    """Everything a generation may put into a workflow; None leaves the workflow's own value."""

    prompt: str
    seed: int
    negative_prompt: str | None = None
    steps: int | None = None
    cfg: float | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    frames: int | None = None
    fps: float | None = None
    lyrics: str | None = None
    filename_prefix: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def get(self, parameter: MappedParameter) -> object | None:
        value: object | None = getattr(self, parameter.value)
        return value


def resolve_seed(requested: Seed | None, default: Seed) -> int:
    choice = requested if requested is not None else default
    if choice == "random":
        return secrets.randbelow(MAX_SEED + 1)
    return int(choice)


def values_from_defaults(
    defaults: OutputDefaults,
    prompt: str,
    seed: int,
    negative_prompt: str | None,
    lyrics: str | None,
    filename_prefix: str,
) -> GenerationValues:
    return GenerationValues(
        prompt=prompt,
        seed=seed,
        negative_prompt=negative_prompt if negative_prompt is not None else defaults.negative_prompt,
        steps=defaults.steps,
        cfg=defaults.cfg,
        width=defaults.width,
        height=defaults.height,
        duration=defaults.duration,
        frames=defaults.frames,
        fps=defaults.fps,
        lyrics=lyrics,
        filename_prefix=filename_prefix,
    )


def apply_mappings(chunk: ComfyUIChunk, values: GenerationValues) -> dict[str, dict[str, object]]:
    """A new workflow dict (the chunk stays untouched) with every mapped value filled in."""
    workflow: dict[str, dict[str, object]] = {
        node_id: copy.deepcopy(node.model_dump(mode="json")) for node_id, node in chunk.workflow.items()
    }
    for parameter in chunk.input_mappings:
        value = values.get(parameter)
        if value is None:
            continue
        for target in chunk.targets(parameter):
            inputs = workflow[target.node]["inputs"]
            assert isinstance(inputs, dict)
            inputs[target.input] = _like(inputs.get(target.input), value)
    return workflow


def _like(current: object, value: object) -> object:
    if isinstance(current, bool) or isinstance(value, bool):
        return value
    if isinstance(current, int) and isinstance(value, int | float):
        return round(value)
    if isinstance(current, float) and isinstance(value, int | float):
        return float(value)
    if isinstance(current, str) and not isinstance(value, str):
        return str(value)
    return value


_SECTION_MARKER = re.compile(r"^\s*\[[a-z ]+\]\s*$", re.IGNORECASE | re.MULTILINE)


def split_tags_and_lyrics(text: str) -> tuple[str, str]:
    """Separates a song text into style tags and lyrics.

    The optimization for song models asks for: one line of tags, an empty line, then the lyrics with
    section markers. A student may edit that freely, so: the tags are everything before the first
    empty line; without an empty line, everything before the first [section] marker; without either,
    the whole text is the description and the song is instrumental.
    """
    stripped = text.strip()
    parts = re.split(r"\n\s*\n", stripped, maxsplit=1)
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    marker = _SECTION_MARKER.search(stripped)
    if marker is not None and marker.start() > 0:
        return stripped[: marker.start()].strip(), stripped[marker.start() :].strip()
    return stripped, "[instrumental]"
