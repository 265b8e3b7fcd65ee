"""Request bodies of the models API (validated at the boundary, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from server.path_names import MAX_NAME_BYTES, NAME_TOO_LONG, path_problem


def check_folder_path(value: str) -> str:
    # "\\" too: a Windows path typed on any system is judged the same way.
    problem = path_problem(value, separators="/\\")
    if problem == NAME_TOO_LONG:
        raise PydanticCustomError(
            "input_folder_name_too_long",
            "a folder's name has more than {max} characters",
            {"max": MAX_NAME_BYTES},
        )
    if problem is not None:
        raise PydanticCustomError("input_folder_control_character", "the folder contains a control character")
    return value


FolderPath = Annotated[
    str, StringConstraints(min_length=1, max_length=4096), AfterValidator(check_folder_path)
]
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


class BrowseQuery(_Body):
    path: FolderPath


class FolderAddRequest(_Body):
    path: FolderPath


class FolderChangeRequest(_Body):
    enabled: bool


class FindExistingRequest(_Body):
    find_existing: bool
