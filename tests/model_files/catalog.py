"""A catalog for the model tests: a few tiny model files with their real sha256 in models.json.

``tiny_image`` needs a checkpoint and a text encoder (checked through ComfyUI's loader lists);
the VAE has no sha256 in the manifest (accepted by name and size), the GGUF is the LLM's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.model_files.model_files import write_gguf, write_safetensors
from tests.support.catalog_files import comfyui_chunk, output, write_json, write_valid_catalog

LICENCE = {"name": "MIT", "url": "https://opensource.org/license/mit"}


@dataclass
class TinyModel:
    id: str
    folder: str
    filename: str
    payload: bytes
    checksum_in_manifest: bool = True
    sha256: str = ""
    size: int = 0

    def write(self, folder: Path, name: str | None = None) -> Path:
        path = folder / (name or self.filename)
        writer = write_gguf if self.filename.endswith(".gguf") else write_safetensors
        self.sha256 = writer(path, self.payload)
        self.size = path.stat().st_size
        return path


@dataclass
class TinyModels:
    checkpoint: TinyModel = field(
        default_factory=lambda: TinyModel("tiny_ckpt", "checkpoints", "tiny-model.safetensors", b"c" * 5000)
    )
    text_encoder: TinyModel = field(
        default_factory=lambda: TinyModel("tiny_te", "text_encoders", "tiny-te.safetensors", b"t" * 3000)
    )
    vae: TinyModel = field(
        default_factory=lambda: TinyModel(
            "tiny_vae", "vae", "tiny-vae.safetensors", b"v" * 2000, checksum_in_manifest=False
        )
    )
    llm: TinyModel = field(default_factory=lambda: TinyModel("tiny_llm", "llm", "tiny.gguf", b"g" * 4000))

    def all(self) -> list[TinyModel]:
        return [self.checkpoint, self.text_encoder, self.vae, self.llm]

    def write_all(self, folder: Path) -> dict[str, Path]:
        return {model.id: model.write(folder) for model in self.all()}


def manifest_entry(model: TinyModel, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": model.id,
        "name": {"de": f"Winzig {model.id}", "en": f"Tiny {model.id}"},
        "folder": model.folder,
        "filename": model.filename,
        "size": model.size,
        "sha256": model.sha256 if model.checksum_in_manifest else None,
        "licence": LICENCE,
    }
    entry.update(overrides)
    return entry


def write_model_catalog(
    root: Path, models: TinyModels, extra_entries: list[dict[str, Any]] | None = None, url: str | None = None
) -> Path:
    """The valid test catalog plus ``tiny_image`` and models.json for ``models`` (written first)."""
    write_valid_catalog(root)
    entries = [
        manifest_entry(model, **({"url": f"{url}/{model.filename}"} if url else {})) for model in models.all()
    ]
    write_json(root / "configs" / "models.json", {"models": entries + (extra_entries or [])})
    chunk = comfyui_chunk()
    chunk["workflow"]["10"] = {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": models.checkpoint.filename},
    }
    chunk["workflow"]["11"] = {
        "class_type": "CLIPLoader",
        "inputs": {"clip_name": models.text_encoder.filename, "type": "stable_diffusion"},
    }
    write_json(root / "chunks" / "tiny_image.json", chunk)
    write_json(
        root / "configs" / "output" / "tiny_image.json",
        output(
            name={"de": "Winzbild", "en": "Tiny picture"},
            chunk="tiny_image",
            models=[models.checkpoint.id, models.text_encoder.id],
            order=2,
        ),
    )
    return root


def read_manifest(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "configs" / "models.json").read_text(encoding="utf-8"))
    return data
