"""Our own ``extra_model_paths.yaml``: where ComfyUI looks for model files.

The app's managed models folder is the ``is_default`` section (ComfyUI lists it first and uses it
for downloads). Model folders that already exist on the machine (another ComfyUI's ``models/``,
SwarmUI, a USB stick) can be added as further sections, so nothing has to be copied.

ComfyUI reads the file with ``yaml.safe_load``: each section has ``base_path`` (absolute here),
optionally ``is_default``, and folder keys whose value is one path or several separated by newlines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from server.atomic_write import write_bytes_atomic
from server.catalog.models import ModelFolder

FILE_NAME = "extra_model_paths.yaml"
MANAGED_SECTION = "ai4artsed_models"

# Folder keys ComfyUI 0.3.x knows under their current names. The catalog's own folders come first;
# the rest are there so a teacher can drop e.g. an embedding or a ControlNet into the managed folder.
COMFYUI_FOLDER_KEYS: tuple[str, ...] = (
    *(folder.value for folder in ModelFolder if folder is not ModelFolder.LLM),
    "embeddings",
    "controlnet",
    "style_models",
    "vae_approx",
    "hypernetworks",
    "model_patches",
    "photomaker",
    "gligen",
)

_SECTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ModelPathSection(BaseModel):
    """One section: a base folder and, per ComfyUI folder key, the subfolders (relative to it) to search."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_SECTION_NAME.pattern)
    base_path: Path
    folders: dict[str, tuple[str, ...]]
    is_default: bool = False


def managed_models_section(models_dir: Path) -> ModelPathSection:
    """The app's own models folder: one subfolder per ComfyUI folder key, named like the key."""
    return ModelPathSection(
        name=MANAGED_SECTION,
        base_path=models_dir,
        folders={key: (key,) for key in COMFYUI_FOLDER_KEYS},
        is_default=True,
    )


def create_managed_model_folders(models_dir: Path) -> None:
    for key in COMFYUI_FOLDER_KEYS:
        (models_dir / key).mkdir(parents=True, exist_ok=True)


def render_model_paths(sections: Sequence[ModelPathSection]) -> str:
    document: dict[str, dict[str, object]] = {}
    for section in sections:
        if section.name in document:
            raise ValueError(f"model path section '{section.name}' is given twice")
        body: dict[str, object] = {"base_path": str(section.base_path.resolve())}
        if section.is_default:
            body["is_default"] = True
        for key, subfolders in section.folders.items():
            if subfolders:
                body[key] = "\n".join(subfolders)
        document[section.name] = body
    header = "# Written by AI4ArtsEd each time it starts ComfyUI; changes here are overwritten.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def write_model_paths(
    state_dir: Path, models_dir: Path, extra_sections: Sequence[ModelPathSection] = ()
) -> Path:
    """Writes the yaml into ComfyUI's state folder and creates the managed model folders; returns its path."""
    create_managed_model_folders(models_dir)
    path = state_dir / FILE_NAME
    text = render_model_paths([managed_models_section(models_dir), *extra_sections])
    write_bytes_atomic(path, text.encode("utf-8"))
    return path
