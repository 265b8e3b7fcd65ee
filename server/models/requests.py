"""Request bodies of the models API (validated at the boundary, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

FolderPath = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
ModelId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ImportRequest(_Body):
    folder: FolderPath


class DownloadRequest(_Body):
    model_ids: list[ModelId] = Field(min_length=1, max_length=100)
    # The UI shows each model's licence first; the download starts only once it was accepted.
    licence_accepted: bool = False


class VerifyRequest(_Body):
    # None: every model file that is present.
    model_ids: list[ModelId] | None = Field(default=None, max_length=100)


class BundleRequest(_Body):
    folder: FolderPath
    model_ids: list[ModelId] = Field(min_length=1, max_length=100)


class FolderAddRequest(_Body):
    path: FolderPath


class FolderChangeRequest(_Body):
    enabled: bool


class FindExistingRequest(_Body):
    find_existing: bool
