"""Model folders of other tools: found only in the usual places, their layouts, the yaml sections."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from server.comfyui.model_paths import managed_models_section, render_model_paths
from server.errors import AppError
from server.model_files.folders import FolderLayout, FolderOrigin, ModelFolderFinder, ModelFolders, recognise
from server.notices import Notices
from server.settings.store import SettingsStore


def _mkdirs(base: Path, *names: str) -> Path:
    for name in names:
        (base / name).mkdir(parents=True, exist_ok=True)
    return base


def _folders(tmp_path: Path, home: Path, roots: list[Path] | None = None) -> ModelFolders:
    settings = SettingsStore(tmp_path / "settings.json", Notices())
    return ModelFolders(tmp_path / "data" / "models", settings, ModelFolderFinder(home, roots or []))


def test_existing_installs_are_found_in_their_usual_places_only(tmp_path: Path) -> None:
    home, root = tmp_path / "home", tmp_path / "drive"
    comfy = _mkdirs(home / "ComfyUI" / "models", "checkpoints", "clip", "unet", "vae")
    desktop = _mkdirs(home / "Documents" / "ComfyUI" / "models", "diffusion_models", "text_encoders")
    swarm = _mkdirs(root / "SwarmUI" / "Models", "Stable-Diffusion", "VAE", "clip", "Lora")
    portable = _mkdirs(root / "ComfyUI_windows_portable" / "ComfyUI" / "models", "checkpoints")
    # Look-alikes elsewhere are never searched for.
    _mkdirs(home / "Downloads" / "ComfyUI" / "models", "checkpoints")
    _mkdirs(tmp_path / "elsewhere" / "SwarmUI" / "Models", "Stable-Diffusion")

    found = [(path.resolve(), layout) for path, layout in ModelFolderFinder(home, [root]).find()]
    assert found == [
        (comfy.resolve(), FolderLayout.COMFYUI),
        (desktop.resolve(), FolderLayout.COMFYUI),
        (portable.resolve(), FolderLayout.COMFYUI),
        (swarm.resolve(), FolderLayout.SWARMUI),
    ]


def test_layouts_map_to_comfyui_folder_keys_including_legacy_names(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _mkdirs(home / "ComfyUI" / "models", "checkpoints", "clip", "text_encoders", "unet", "vae", "llm")
    _mkdirs(
        home / "SwarmUI" / "Models", "Stable-Diffusion", "VAE", "clip", "diffusion_models", "Lora", "LyCORIS"
    )
    folders = _folders(tmp_path, home)
    locations = {location.layout: location for location in folders.locations()}
    assert locations[FolderLayout.MANAGED].origin is FolderOrigin.MANAGED
    comfy = locations[FolderLayout.COMFYUI]
    assert comfy.origin is FolderOrigin.FOUND
    assert comfy.subfolders["text_encoders"] == ("text_encoders", "clip")
    assert comfy.subfolders["diffusion_models"] == ("unet",)
    assert comfy.subfolders["llm"] == ("llm",)
    swarm = locations[FolderLayout.SWARMUI]
    assert swarm.subfolders == {
        "checkpoints": ("Stable-Diffusion",),
        "diffusion_models": ("diffusion_models",),
        "text_encoders": ("clip",),
        "vae": ("VAE",),
        "loras": ("Lora", "LyCORIS"),
    }
    sections = folders.read_only_sections()
    text = render_model_paths([managed_models_section(tmp_path / "data" / "models"), *sections])
    written = yaml.safe_load(text)
    assert next(iter(written)) == "ai4artsed_models" and written["ai4artsed_models"]["is_default"] is True
    by_base = {section["base_path"]: section for section in list(written.values())[1:]}
    comfy_section = by_base[str(comfy.path)]
    assert "is_default" not in comfy_section
    assert comfy_section["text_encoders"] == "text_encoders\nclip"
    assert "llm" not in comfy_section  # the LLM's files are not ComfyUI's business
    assert by_base[str(swarm.path)]["checkpoints"] == "Stable-Diffusion"


def test_choosing_switching_off_and_removing_folders(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _mkdirs(home / "ComfyUI" / "models", "checkpoints")
    chosen = _mkdirs(tmp_path / "school-share" / "SwarmUI" / "Models", "Stable-Diffusion")
    folders = _folders(tmp_path, home)
    folders.read_only_sections()  # as if ComfyUI started now
    assert not folders.restart_needed()

    added = folders.add(str(tmp_path / "school-share" / "SwarmUI"))  # the tool's folder is fine too
    assert added.path == chosen.resolve() and added.origin is FolderOrigin.CHOSEN
    assert folders.restart_needed()
    assert [location.origin for location in folders.locations()] == [
        FolderOrigin.MANAGED,
        FolderOrigin.CHOSEN,
        FolderOrigin.FOUND,
    ]
    found = folders.locations()[2]
    folders.set_enabled(found.id, enabled=False)
    assert [location.origin for location in folders.locations()] == [
        FolderOrigin.MANAGED,
        FolderOrigin.CHOSEN,
    ]
    assert [location.enabled for location in folders.locations(include_disabled=True)] == [True, True, False]
    folders.set_enabled(found.id, enabled=True)
    folders.remove(added.id)
    assert [location.origin for location in folders.locations()] == [FolderOrigin.MANAGED, FolderOrigin.FOUND]
    folders.set_find_existing(False)
    assert [location.origin for location in folders.locations()] == [FolderOrigin.MANAGED]


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda tmp: "relative/path", "model_folder_not_absolute"),
        (lambda tmp: str(tmp / "missing"), "model_folder_missing"),
        (lambda tmp: str(_mkdirs(tmp / "loose", "random")), "model_folder_not_recognised"),
        (lambda tmp: str(tmp / "data" / "models"), "model_folder_is_managed"),
    ],
)
def test_unusable_folders_are_refused_with_a_reason(tmp_path: Path, make: object, code: str) -> None:
    folders = _folders(tmp_path, tmp_path / "home")
    _mkdirs(tmp_path / "data" / "models", "checkpoints")
    with pytest.raises(AppError) as raised:
        folders.add(make(tmp_path))  # type: ignore[operator]
    assert raised.value.code == code


def test_recognise_accepts_the_tool_folder_or_its_models_folder(tmp_path: Path) -> None:
    comfy = _mkdirs(tmp_path / "ComfyUI" / "models", "checkpoints")
    assert recognise(tmp_path / "ComfyUI") == (comfy, FolderLayout.COMFYUI)
    assert recognise(comfy) == (comfy, FolderLayout.COMFYUI)
    assert recognise(tmp_path / "nothing") is None
