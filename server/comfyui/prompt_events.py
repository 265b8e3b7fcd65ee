"""What happens to one submitted prompt, as typed events (in order; exactly one final event at the end)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Keys of a node's ui output that hold media files. ``images`` includes video and animations
# (``animated: [true]``); ``gifs`` is what older video custom nodes use.
MEDIA_KEYS = ("images", "audio", "gifs", "video", "videos")
_ALWAYS_ANIMATED = {"gifs", "video", "videos"}


@dataclass(frozen=True)
class OutputFile:
    """A file ComfyUI wrote, addressed as ``/view`` wants it."""

    node: str
    key: str  # the ui output key it came under: images, audio, gifs, ...
    filename: str
    subfolder: str
    type: str  # output | temp | input
    animated: bool = False


@dataclass(frozen=True)
class Queued:
    position: int  # prompts ahead of ours in ComfyUI's queue (0: ours runs next)


@dataclass(frozen=True)
class ExecutionStarted:
    pass


@dataclass(frozen=True)
class NodesCached:
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class NodeExecuting:
    node: str
    class_type: str | None


@dataclass(frozen=True)
class Progress:
    value: int
    max: int
    node: str | None


@dataclass(frozen=True)
class Preview:
    image: bytes = field(repr=False)
    mime: str
    node: str | None


@dataclass(frozen=True)
class NodeExecuted:
    node: str
    output: dict[str, Any]


@dataclass(frozen=True)
class Succeeded:
    outputs: dict[str, dict[str, Any]]  # node id -> ui output, from /history
    files: tuple[OutputFile, ...]


@dataclass(frozen=True)
class Failed:
    code: str
    params: dict[str, str]
    node: str | None = None
    class_type: str | None = None


@dataclass(frozen=True)
class Interrupted:
    node: str | None = None


@dataclass(frozen=True)
class DownloadedFile:
    path: Path
    mime: str
    size: int
    sha256: str


PromptEvent = (
    Queued
    | ExecutionStarted
    | NodesCached
    | NodeExecuting
    | Progress
    | Preview
    | NodeExecuted
    | Succeeded
    | Failed
    | Interrupted
)
FinalEvent = Succeeded | Failed | Interrupted
FINAL_EVENTS = (Succeeded, Failed, Interrupted)


def output_files(outputs: Mapping[str, object]) -> tuple[OutputFile, ...]:
    """Media files in a history entry's outputs, in node-id order (ComfyUI's key order varies)."""
    files: list[OutputFile] = []
    for node in sorted(outputs, key=_node_sort_key):
        output = outputs[node]
        if not isinstance(output, dict):
            continue
        animated_flags = output.get("animated")
        animated = isinstance(animated_flags, list | tuple) and any(bool(flag) for flag in animated_flags)
        for key in MEDIA_KEYS:
            items = output.get(key)
            if not isinstance(items, list):
                continue
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("filename"), str):
                    files.append(
                        OutputFile(
                            node=node,
                            key=key,
                            filename=item["filename"],
                            subfolder=str(item.get("subfolder") or ""),
                            type=str(item.get("type") or "output"),
                            animated=animated or key in _ALWAYS_ANIMATED,
                        )
                    )
    return tuple(files)


def _node_sort_key(node: str) -> tuple[int, int, str]:
    return (0, int(node), "") if node.isdigit() else (1, 0, node)
