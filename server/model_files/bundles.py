"""Offline bundles: model files plus a manifest in a folder (a USB stick), to equip PCs without internet.

Layout: ``<folder>/ai4artsed-models/ai4artsed-bundle.json`` and ``<folder>/ai4artsed-models/<folder
key>/<file name>``. The manifest lists every file with the sha256 computed while it was written to
the bundle, so the importing PC can verify each file, also those whose checksum the app's own list
does not have. The manifest is written last: a bundle whose preparation was interrupted has none and
is never taken for a complete one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import psutil
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.atomic_write import write_model_atomic
from server.catalog.models import Identifier, ModelFile, ModelFolder, Sha256
from server.errors import AppError, ErrorKind
from server.jobs.manager import JobContext
from server.model_files.file_work import JobFileWork
from server.model_files.hashing import HashCache
from server.model_files.manifest import ModelManifest
from server.model_files.placement import (
    FAT32_MAX_FILE,
    RESERVE_BYTES,
    ChecksumMismatchError,
    existing_ancestor,
    free_bytes,
    place_file,
)
from server.model_files.presence import FileState, ModelPresence
from server.model_files.wording import name_text, size_text

log = logging.getLogger(__name__)

BUNDLE_FOLDER = "ai4artsed-models"
BUNDLE_MANIFEST = "ai4artsed-bundle.json"
_FAT_TYPES = frozenset({"vfat", "fat", "fat32", "msdos"})


class BundleEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    folder: ModelFolder
    filename: str = Field(pattern=r"^[^/\\]+\.(safetensors|gguf)$")
    size: int = Field(gt=0)
    sha256: Sha256


class BundleManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["ai4artsed-model-bundle"] = "ai4artsed-model-bundle"
    version: Literal[1] = 1
    app_version: str
    created_at: datetime
    models: list[BundleEntry]

    def path_of(self, bundle_root: Path, entry: BundleEntry) -> Path:
        return bundle_root / entry.folder.value / entry.filename


def find_bundle(folder: Path) -> tuple[Path, BundleManifest] | None:
    """The bundle at ``folder`` (its ``ai4artsed-models`` folder, or that folder itself)."""
    for root in (folder / BUNDLE_FOLDER, folder):
        manifest = root / BUNDLE_MANIFEST
        if not manifest.is_file():
            continue
        try:
            return root, BundleManifest.model_validate(json.loads(manifest.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as error:
            log.warning("bundle manifest %s is unreadable: %s", manifest, error)
            raise AppError("model_bundle_manifest_broken", ErrorKind.INVALID_INPUT) from error
    return None


def file_system_type(folder: Path) -> str | None:
    """The type of the file system that holds ``folder`` (e.g. 'vfat' for a FAT32 stick), if known."""
    target = existing_ancestor(folder).resolve()
    best: tuple[int, str] | None = None
    try:
        partitions = psutil.disk_partitions(all=True)
    except OSError:
        return None
    for partition in partitions:
        mount = Path(partition.mountpoint)
        if (target == mount or mount in target.parents) and (best is None or len(str(mount)) > best[0]):
            best = (len(str(mount)), partition.fstype.lower())
    return best[1] if best else None


class BundleWriter:
    def __init__(
        self,
        manifest: ModelManifest,
        presence: ModelPresence,
        cache: HashCache,
        managed_dir: Path,
        app_version: str,
        fs_type: Callable[[Path], str | None] = file_system_type,
    ) -> None:
        self._manifest = manifest
        self._presence = presence
        self._cache = cache
        self._managed_dir = managed_dir
        self._app_version = app_version
        self._fs_type = fs_type

    def check_target(self, folder: Path) -> None:
        if not folder.is_absolute() or not folder.is_dir():
            raise AppError("model_bundle_folder_missing", ErrorKind.INVALID_INPUT, folder=str(folder))
        resolved = folder.resolve()
        managed = self._managed_dir.resolve()
        if resolved == managed or managed in resolved.parents:
            raise AppError("model_bundle_inside_models", ErrorKind.INVALID_INPUT, folder=str(folder))

    def write(self, folder: Path, model_ids: list[str], context: JobContext) -> dict[str, object]:
        self.check_target(folder)
        work = JobFileWork(context)
        root = folder / BUNDLE_FOLDER
        previous = find_bundle(folder)
        entries = {entry.id: entry for entry in previous[1].models} if previous else {}
        chosen = self._manifest.resolve(model_ids)
        sources = []
        for model in chosen:
            presence = self._presence.find(model)
            if presence.state is not FileState.PRESENT or presence.path is None:
                work.notice("model_bundle_model_not_here", "warning", name=name_text(model.name))
                continue
            sources.append((model, presence.path))
        if not sources:
            raise AppError("model_bundle_nothing_to_write", ErrorKind.INVALID_INPUT)
        to_write = [
            (model, path) for model, path in sources if not self._already_in_bundle(root, model, entries)
        ]
        needed = sum(model.size for model, _ in to_write)
        largest = max((model.size for model, _ in to_write), default=0)
        if largest > FAT32_MAX_FILE and self._fs_type(folder) in _FAT_TYPES:
            raise AppError("model_bundle_fat32", ErrorKind.FAILED, size=size_text(largest))
        free = free_bytes(folder)
        if needed > free - RESERVE_BYTES:
            raise AppError(
                "model_bundle_not_enough_space",
                ErrorKind.FAILED,
                needed=size_text(needed),
                free=size_text(max(0, free - RESERVE_BYTES)),
            )
        work.set_files(len(to_write))
        written: list[str] = []
        for model, source in to_write:
            work.begin_file(model.id, model.filename)
            expected = model.sha256 or self._cache.lookup(source)
            try:
                placed = place_file(
                    source,
                    root / model.folder.value / model.filename,
                    work,
                    expected_sha256=expected,
                    known_sha256=self._cache.lookup(source),
                )
            except ChecksumMismatchError:
                work.notice("model_bundle_source_damaged", "warning", name=name_text(model.name))
                continue
            entries[model.id] = BundleEntry(
                id=model.id,
                folder=model.folder,
                filename=model.filename,
                size=source.stat().st_size,
                sha256=placed.sha256,
            )
            written.append(model.id)
            work.notice("model_bundle_file_written", name=name_text(model.name), method=placed.method.value)
        bundle = BundleManifest(
            app_version=self._app_version,
            created_at=datetime.now(UTC),
            models=sorted(entries.values(), key=lambda entry: entry.id),
        )
        write_model_atomic(root / BUNDLE_MANIFEST, bundle)
        return {
            "folder": str(root),
            "written": written,
            "models": [entry.id for entry in bundle.models],
            "bytes": needed,
        }

    @staticmethod
    def _already_in_bundle(root: Path, model: ModelFile, entries: dict[str, BundleEntry]) -> bool:
        entry = entries.get(model.id)
        if entry is None:
            return False
        path = root / entry.folder.value / entry.filename
        return path.is_file() and path.stat().st_size == entry.size
