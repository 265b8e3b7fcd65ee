"""Folders a teacher may want to import from or point at, and a plain listing of sub-folders.

The app's window has no native folder dialog (pywebview's bridge is not used), so the models page
offers the USB sticks and usual folders as starting points and lets the teacher walk down from
there. Only folder names and counts of model files are shown, never file contents.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import psutil
from pydantic import BaseModel, ConfigDict

from server.comfyui.installation import looks_like_installation
from server.errors import AppError, ErrorKind
from server.model_files.bundles import find_bundle
from server.model_files.file_headers import MODEL_SUFFIXES
from server.model_files.folders import recognise

MAX_LISTED = 500
_REMOVABLE_MOUNT_ROOTS = (Path("/media"), Path("/run/media"), Path("/Volumes"))


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["removable", "home", "downloads", "desktop", "documents"]
    path: Path
    label: str


class FolderListing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path
    parent: Path | None
    folders: list[str]
    model_files: int
    bundle: bool
    # "comfyui" / "swarmui" when this is (or holds) such a models folder: it can be used in place.
    layout: str | None
    truncated: bool
    # A ComfyUI installation (checked when a teacher picks the folder ComfyUI should run from).
    comfyui_installation: bool = False


def _partitions() -> list[tuple[str, str]]:
    try:
        return [(part.mountpoint, part.opts) for part in psutil.disk_partitions(all=False)]
    except OSError:
        return []


class Places:
    def __init__(self, home: Path, partitions: Callable[[], list[tuple[str, str]]] = _partitions) -> None:
        self._home = home
        self._partitions = partitions

    def list(self) -> list[Place]:
        places: list[Place] = []
        for mountpoint, opts in self._partitions():
            mount = Path(mountpoint)
            if _removable(mount, opts):
                places.append(Place(kind="removable", path=mount, label=mount.name or str(mount)))
        for kind, name in (
            ("home", ""),
            ("downloads", "Downloads"),
            ("desktop", "Desktop"),
            ("documents", "Documents"),
        ):
            folder = self._home / name if name else self._home
            if folder.is_dir():
                places.append(Place(kind=kind, path=folder, label=folder.name))
        return places

    @staticmethod
    def browse(raw_path: str) -> FolderListing:
        path = Path(raw_path).expanduser()
        if not path.is_absolute():
            raise AppError("model_browse_not_absolute", ErrorKind.INVALID_INPUT, folder=raw_path)
        if not path.is_dir():
            raise AppError("model_browse_missing", ErrorKind.NOT_FOUND, folder=raw_path)
        folders: list[str] = []
        model_files = 0
        truncated = False
        try:
            with os.scandir(path) as entries:
                for count, entry in enumerate(entries):
                    if count >= MAX_LISTED * 4:
                        truncated = True
                        break
                    if entry.name.startswith("."):
                        continue
                    try:
                        if entry.is_dir():
                            folders.append(entry.name)
                        elif Path(entry.name).suffix.lower() in MODEL_SUFFIXES:
                            model_files += 1
                    except OSError:
                        continue
        except OSError as error:
            raise AppError("model_browse_unreadable", ErrorKind.FAILED, folder=raw_path) from error
        recognised = recognise(path)
        try:
            bundle = find_bundle(path) is not None
        except AppError:
            bundle = True  # there is one, only broken: importing it explains that
        parent = path.parent if path.parent != path else None
        folders.sort(key=str.casefold)
        return FolderListing(
            path=path,
            parent=parent,
            folders=folders[:MAX_LISTED],
            model_files=model_files,
            bundle=bundle,
            layout=recognised[1].value if recognised else None,
            truncated=truncated or len(folders) > MAX_LISTED,
            comfyui_installation=looks_like_installation(path),
        )


def _removable(mount: Path, opts: str) -> bool:
    if sys.platform == "win32":
        return "removable" in opts.split(",")
    return any(root in mount.parents for root in _REMOVABLE_MOUNT_ROOTS)
