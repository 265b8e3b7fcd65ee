"""Which model files are on this machine, where, and whether they are the right ones.

A file counts as present when a file of its name and size is in one of the folders ComfyUI reads
for its folder key (the LLM's GGUF files: the ``llm`` folders). Whether its content is right is
known once it was hashed (at import, download or a verify run): the hash cache remembers it.
Only stat() calls here, so the catalog can ask on every request.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from server.catalog.models import ModelFile
from server.model_files.folders import FolderOrigin, ModelFolders
from server.model_files.hashing import HashCache
from server.model_files.manifest import ModelManifest, size_matches


class FileState(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    WRONG_SIZE = "wrong_size"  # e.g. an interrupted copy under the final name
    DAMAGED = "damaged"  # hashed, and the hash is not the manifest's


class ChecksumState(StrEnum):
    VERIFIED = "verified"  # hashed and equal to the manifest's sha256
    NOT_CHECKED = "not_checked"  # the manifest has a sha256, the file was not hashed yet
    NO_CHECKSUM = "no_checksum"  # the manifest has none: accepted by name and size
    MISMATCH = "mismatch"


class FilePresence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model_id: str
    state: FileState
    checksum: ChecksumState | None = None
    path: Path | None = None
    size_on_disk: int | None = None
    location_id: str | None = None
    origin: FolderOrigin | None = None

    @property
    def usable(self) -> bool:
        return self.state is FileState.PRESENT


class ModelPresence:
    def __init__(self, manifest: ModelManifest, folders: ModelFolders, cache: HashCache) -> None:
        self._manifest = manifest
        self._folders = folders
        self._cache = cache

    def find(self, model: ModelFile) -> FilePresence:
        wrong: FilePresence | None = None
        for location in self._folders.locations():
            for folder in location.candidates(model.folder.value):
                path = folder / model.filename
                try:
                    if not path.is_file():
                        continue
                    size = path.stat().st_size
                except OSError:
                    continue
                if not size_matches(model, size):
                    wrong = wrong or FilePresence(
                        model_id=model.id,
                        state=FileState.WRONG_SIZE,
                        path=path,
                        size_on_disk=size,
                        location_id=location.id,
                        origin=location.origin,
                    )
                    continue
                checksum = self.checksum_state(model, path)
                return FilePresence(
                    model_id=model.id,
                    state=FileState.DAMAGED if checksum is ChecksumState.MISMATCH else FileState.PRESENT,
                    checksum=checksum,
                    path=path,
                    size_on_disk=size,
                    location_id=location.id,
                    origin=location.origin,
                )
        return wrong or FilePresence(model_id=model.id, state=FileState.MISSING)

    def all(self) -> dict[str, FilePresence]:
        return {model.id: self.find(model) for model in self._manifest.models}

    def checksum_state(self, model: ModelFile, path: Path) -> ChecksumState:
        if model.sha256 is None:
            return ChecksumState.NO_CHECKSUM
        cached = self._cache.lookup(path)
        if cached is None:
            return ChecksumState.NOT_CHECKED
        return ChecksumState.VERIFIED if cached == model.sha256 else ChecksumState.MISMATCH

    def managed_path(self, model: ModelFile) -> Path:
        return self._folders.managed_folder(model.folder.value) / model.filename
