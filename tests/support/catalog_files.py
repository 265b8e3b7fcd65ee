"""Writes small, valid catalog folders (configs/ + chunks/) that a test can then break on purpose."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def attitude(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": {"de": "Dada", "en": "Dada"},
        "description": {"de": "Zufall und Unsinn.", "en": "Chance and nonsense."},
        "category": "arts",
        "context": {"de": "Zerschneide die Idee.", "en": "Cut the idea apart."},
        "icon": "✂️",
        "color": "#aa3355",
        "order": 1,
        "audience": {"min_age": 8},
    }
    data.update(overrides)
    return data


def output(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": {"de": "Testbild", "en": "Test image"},
        "description": {"de": "Ein leeres Bild.", "en": "An empty image."},
        "media_type": "image",
        "backend": "comfyui",
        "chunk": "empty_image",
        "models": [],
        "vram_gb": 0,
        "order": 1,
    }
    data.update(overrides)
    return data


def comfyui_chunk(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "comfyui",
        "description": "EmptyImage -> SaveImage",
        "workflow": {
            "1": {
                "class_type": "EmptyImage",
                "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0},
            },
            "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}},
        },
        "input_mappings": {
            "width": {"node": "1", "input": "width"},
            "height": {"node": "1", "input": "height"},
            "filename_prefix": {"node": "2", "input": "filename_prefix"},
        },
    }
    data.update(overrides)
    return data


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_valid_catalog(root: Path) -> Path:
    """A catalog with one attitude per category group used in tests, one output, and their chunks."""
    write_json(
        root / "configs" / "media_types.json",
        {
            "media_types": {
                "image": {
                    "name": {"de": "Bild", "en": "Image"},
                    "mime_types": ["image/png"],
                    "extensions": [".png"],
                    "player": "image",
                    "order": 1,
                }
            }
        },
    )
    write_json(
        root / "configs" / "models.json",
        {
            "models": [
                {
                    "id": "tiny",
                    "name": {"de": "Winzig", "en": "Tiny"},
                    "folder": "checkpoints",
                    "filename": "tiny.safetensors",
                    "size": 1024,
                    "licence": {"name": "MIT", "url": "https://opensource.org/license/mit"},
                }
            ]
        },
    )
    write_json(
        root / "configs" / "languages.json",
        {
            "languages": {
                "de": {"name": {"de": "Deutsch", "en": "German"}, "endonym": "Deutsch"},
                "en": {"name": {"de": "Englisch", "en": "English"}, "endonym": "English"},
                "fr": {"name": {"de": "Französisch", "en": "French"}, "endonym": "Français"},
            },
            "stopwords": {"de": ["der", "die", "und"], "en": ["the", "and", "is"]},
        },
    )
    write_json(
        root / "chunks" / "interception.json",
        {"kind": "llm", "description": "task", "task": {"de": "Verwandle.", "en": "Transform."}},
    )
    write_json(root / "chunks" / "empty_image.json", comfyui_chunk())
    write_json(root / "configs" / "interception" / "dada.json", attitude())
    write_json(
        root / "configs" / "interception" / "bauhaus.json",
        attitude(
            name={"de": "Bauhaus", "en": "Bauhaus"},
            category="aesthetics",
            context={"de": "Form folgt Funktion.", "en": "Form follows function."},
        ),
    )
    write_json(root / "configs" / "output" / "test_image.json", output())
    return root
