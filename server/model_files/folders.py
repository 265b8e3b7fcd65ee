"""Where model files can be: the app's own models folder, and folders of other tools used in place.

ComfyUI reads other folders through read-only sections of our ``extra_model_paths.yaml``, so a
school that already has an existing ComfyUI or SwarmUI with its models copies nothing. Such folders
are found in a few well-defined places (the tool's usual install folders in the home folder and, on
Windows, at the root of the system drive) or chosen by the teacher.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from server.catalog.models import ModelFolder
from server.comfyui.model_paths import COMFYUI_FOLDER_KEYS, ModelPathSection
from server.errors import AppError, ErrorKind
from server.settings.models import ModelFolderSettings
from server.settings.store import SettingsStore

LLM_KEY = ModelFolder.LLM.value


class FolderLayout(StrEnum):
    MANAGED = "managed"  # the app's own folder: one subfolder per ComfyUI folder key
    COMFYUI = "comfyui"  # a ComfyUI models folder (current and legacy subfolder names)
    SWARMUI = "swarmui"  # a SwarmUI Models folder (its own subfolder names)


class FolderOrigin(StrEnum):
    MANAGED = "managed"
    # The managed ComfyUI's own models/ folder: ComfyUI reads it by itself, it needs no section.
    COMFYUI = "comfyui"
    FOUND = "found"
    CHOSEN = "chosen"


# Per layout and ComfyUI folder key, the subfolders that may hold such files. ComfyUI itself still
# reads the legacy names `clip` (text encoders) and `unet` (diffusion models).
_COMFYUI_SUBFOLDERS: dict[str, tuple[str, ...]] = {
    **{key: (key,) for key in COMFYUI_FOLDER_KEYS},
    "text_encoders": ("text_encoders", "clip"),
    "diffusion_models": ("diffusion_models", "unet"),
    LLM_KEY: (LLM_KEY,),
}
# SwarmUI's default folder names, as its ComfyUI backend maps them.
_SWARMUI_SUBFOLDERS: dict[str, tuple[str, ...]] = {
    "checkpoints": ("Stable-Diffusion",),
    "diffusion_models": ("diffusion_models", "unet"),
    "text_encoders": ("text_encoders", "clip", "CLIP"),
    "vae": ("VAE", "vae"),
    "loras": ("Lora", "LyCORIS"),
    "clip_vision": ("clip_vision",),
    "upscale_models": ("upscale_models", "ESRGAN", "RealESRGAN", "SwinIR"),
    "embeddings": ("Embeddings", "embeddings"),
    "controlnet": ("controlnet", "ControlNet"),
}
# Subfolders that tell a ComfyUI models folder from any other folder.
_COMFYUI_MARKERS = ("checkpoints", "diffusion_models", "text_encoders", "vae", "loras", "clip", "unet")
_SWARMUI_MARKER = "Stable-Diffusion"


class ModelLocation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    path: Path
    layout: FolderLayout
    origin: FolderOrigin
    enabled: bool = True
    # Per folder key, the subfolders (relative to ``path``) that exist, in the order ComfyUI reads them.
    subfolders: dict[str, tuple[str, ...]]

    def candidates(self, folder_key: str) -> list[Path]:
        return [self.path / sub for sub in self.subfolders.get(folder_key, ())]

    def section(self) -> ModelPathSection:
        """A read-only section of extra_model_paths.yaml (the LLM folder is not ComfyUI's business)."""
        return ModelPathSection(
            name=f"folder_{self.id}",
            base_path=self.path,
            folders={key: subs for key, subs in self.subfolders.items() if key != LLM_KEY and subs},
        )


def location_id(path: Path) -> str:
    return hashlib.sha256(os.path.normcase(str(path)).encode("utf-8")).hexdigest()[:12]


def recognise(path: Path) -> tuple[Path, FolderLayout] | None:
    """The models folder at or in ``path`` (the tool's own folder is fine too), and its layout."""
    for candidate in (path, path / "models", path / "Models", path / "ComfyUI" / "models"):
        try:
            if not candidate.is_dir():
                continue
            if (candidate / _SWARMUI_MARKER).is_dir():
                return candidate, FolderLayout.SWARMUI
            if any((candidate / marker).is_dir() for marker in _COMFYUI_MARKERS):
                return candidate, FolderLayout.COMFYUI
        except OSError:
            continue
    return None


def _existing_subfolders(base: Path, layout: FolderLayout) -> dict[str, tuple[str, ...]]:
    table = _SWARMUI_SUBFOLDERS if layout is FolderLayout.SWARMUI else _COMFYUI_SUBFOLDERS
    found: dict[str, tuple[str, ...]] = {}
    for key, names in table.items():
        existing: list[str] = []
        seen: set[str] = set()
        for name in names:
            folder = base / name
            # On a case-insensitive disk "VAE" and "vae" are one folder: list it once.
            marker = os.path.normcase(str(folder.resolve())) if folder.is_dir() else None
            if marker is not None and marker not in seen:
                seen.add(marker)
                existing.append(name)
        if existing:
            found[key] = tuple(existing)
    return found


class ModelFolderFinder:
    """Looks for existing ComfyUI and SwarmUI installs in their usual places, and nowhere else."""

    def __init__(self, home: Path, roots: Sequence[Path] = ()) -> None:
        self._home = home
        self._roots = list(roots)

    @classmethod
    def for_this_machine(cls) -> ModelFolderFinder:
        roots: list[Path] = []
        if sys.platform == "win32":
            roots.append(Path(os.environ.get("SYSTEMDRIVE", "C:") + "\\"))
        return cls(Path.home(), roots)

    def usual_places(self) -> list[Path]:
        places = [
            self._home / "ComfyUI",
            # ComfyUI Desktop keeps its models under Documents/ComfyUI.
            self._home / "Documents" / "ComfyUI",
            self._home / "ComfyUI_windows_portable",
            self._home / "SwarmUI",
        ]
        for root in self._roots:
            places += [root / "ComfyUI", root / "ComfyUI_windows_portable", root / "SwarmUI"]
        return places

    def find(self) -> list[tuple[Path, FolderLayout]]:
        found: list[tuple[Path, FolderLayout]] = []
        seen: set[str] = set()
        for place in self.usual_places():
            recognised = recognise(place)
            if recognised is None:
                continue
            key = os.path.normcase(str(recognised[0].resolve()))
            if key not in seen:
                seen.add(key)
                found.append(recognised)
        return found


class ModelFolders:
    """The app's models folder plus the enabled folders of other tools, as locations and yaml sections."""

    def __init__(
        self,
        models_dir: Path,
        settings: SettingsStore,
        finder: ModelFolderFinder,
        comfyui_dir: Callable[[], str | None] = lambda: None,
    ) -> None:
        self._models_dir = models_dir
        self._settings = settings
        self._finder = finder
        self._comfyui_dir = comfyui_dir
        self._sections_in_use: list[ModelPathSection] | None = None

    @property
    def models_dir(self) -> Path:
        return self._models_dir

    def managed(self) -> ModelLocation:
        return ModelLocation(
            id="managed",
            path=self._models_dir,
            layout=FolderLayout.MANAGED,
            origin=FolderOrigin.MANAGED,
            subfolders={key: (key,) for key in (*COMFYUI_FOLDER_KEYS, LLM_KEY)},
        )

    def managed_folder(self, folder_key: str) -> Path:
        return self._models_dir / folder_key

    def locations(self, include_disabled: bool = False) -> list[ModelLocation]:
        """The managed folder first, then chosen folders, then found ones (ComfyUI's reading order)."""
        config = self._settings.current.model_folders
        result = [self.managed()]
        seen = {location_id(self._models_dir.resolve())}
        for raw in config.chosen:
            recognised = recognise(Path(raw))
            if recognised is None:
                continue
            location = self._location(recognised, FolderOrigin.CHOSEN, enabled=True)
            if location.id not in seen:
                seen.add(location.id)
                result.append(location)
        directory = self._comfyui_dir()
        own = recognise(Path(directory)) if directory else None
        if own is not None:
            location = self._location(own, FolderOrigin.COMFYUI, enabled=True)
            if location.id not in seen:
                seen.add(location.id)
                result.append(location)
        if config.find_existing:
            ignored = {location_id(Path(raw).resolve()) for raw in config.ignored}
            for recognised in self._finder.find():
                location = self._location(
                    recognised,
                    FolderOrigin.FOUND,
                    enabled=location_id(recognised[0].resolve()) not in ignored,
                )
                if location.id not in seen and (location.enabled or include_disabled):
                    seen.add(location.id)
                    result.append(location)
        return result

    def read_only_sections(self) -> list[ModelPathSection]:
        """What ComfyUI gets besides the managed section; remembered to tell when a restart is due."""
        sections = self._sections()
        self._sections_in_use = sections
        return sections

    def restart_needed(self) -> bool:
        """True when the folders changed since ComfyUI was last started with them."""
        if self._sections_in_use is None:
            return False
        return self._sections() != self._sections_in_use

    def _sections(self) -> list[ModelPathSection]:
        return [
            location.section()
            for location in self.locations()
            if location.origin in (FolderOrigin.FOUND, FolderOrigin.CHOSEN) and location.subfolders
        ]

    def add(self, raw_path: str) -> ModelLocation:
        path = Path(raw_path.strip()).expanduser()
        if not raw_path.strip() or not path.is_absolute():
            raise AppError("model_folder_not_absolute", ErrorKind.INVALID_INPUT, folder=raw_path)
        if not path.is_dir():
            raise AppError("model_folder_missing", ErrorKind.INVALID_INPUT, folder=str(path))
        recognised = recognise(path)
        if recognised is None:
            raise AppError("model_folder_not_recognised", ErrorKind.INVALID_INPUT, folder=str(path))
        root = recognised[0].resolve()
        if _inside(root, self._models_dir.resolve()) or _inside(self._models_dir.resolve(), root):
            raise AppError("model_folder_is_managed", ErrorKind.INVALID_INPUT, folder=str(path))
        location = self._location((root, recognised[1]), FolderOrigin.CHOSEN, enabled=True)
        config = self._settings.current.model_folders
        ignored = [raw for raw in config.ignored if location_id(Path(raw).resolve()) != location.id]
        chosen = list(config.chosen)
        if all(location_id(Path(raw).resolve()) != location.id for raw in chosen):
            chosen.append(str(root))
        self._save(config.model_copy(update={"chosen": chosen, "ignored": ignored}))
        return location

    def remove(self, folder_id: str) -> None:
        """A chosen folder is forgotten; a found one is switched off (it would be found again)."""
        location = self._find(folder_id)
        if location.origin is FolderOrigin.COMFYUI:
            raise AppError("model_folder_of_comfyui", ErrorKind.CONFLICT)
        config = self._settings.current.model_folders
        if location.origin is FolderOrigin.CHOSEN:
            chosen = [raw for raw in config.chosen if location_id(Path(raw).resolve()) != folder_id]
            self._save(config.model_copy(update={"chosen": chosen}))
        else:
            self.set_enabled(folder_id, enabled=False)

    def set_enabled(self, folder_id: str, *, enabled: bool) -> ModelLocation:
        location = self._find(folder_id)
        if location.origin is FolderOrigin.COMFYUI:
            raise AppError("model_folder_of_comfyui", ErrorKind.CONFLICT)
        if location.origin is not FolderOrigin.FOUND:
            return location
        config = self._settings.current.model_folders
        ignored = [raw for raw in config.ignored if location_id(Path(raw).resolve()) != folder_id]
        if not enabled:
            ignored.append(str(location.path))
        self._save(config.model_copy(update={"ignored": ignored}))
        return location.model_copy(update={"enabled": enabled})

    def set_find_existing(self, find_existing: bool) -> None:
        config = self._settings.current.model_folders
        self._save(config.model_copy(update={"find_existing": find_existing}))

    def _find(self, folder_id: str) -> ModelLocation:
        for location in self.locations(include_disabled=True):
            if location.id == folder_id and location.origin is not FolderOrigin.MANAGED:
                return location
        raise AppError("model_folder_not_found", ErrorKind.NOT_FOUND)

    def _save(self, config: ModelFolderSettings) -> None:
        self._settings.set_model_folders(config)

    @staticmethod
    def _location(
        recognised: tuple[Path, FolderLayout], origin: FolderOrigin, enabled: bool
    ) -> ModelLocation:
        base, layout = recognised
        base = base.resolve()
        return ModelLocation(
            id=location_id(base),
            path=base,
            layout=layout,
            origin=origin,
            enabled=enabled,
            subfolders=_existing_subfolders(base, layout),
        )


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
