"""Lab bundles: ComfyUI's archive and every wheel it needs in a folder (a USB stick), with sha256.

Made on one online PC ("make a lab bundle"), installed on every other PC of the same system and
Python version with no network at all (``--offline``). Layout beside the model bundles of
``server/model_files/bundles.py``: ``<folder>/ai4artsed-comfyui/ai4artsed-comfyui-bundle.json``, the
archive, ``wheels/`` and (when the release pins one for this system) ``python/`` with a relocatable
CPython ``install_only`` archive of python-build-standalone, what ``uv python install`` installs.
The manifest is written last, so an interrupted bundle has none.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.comfyui_install.archive import sha256_of
from server.comfyui_install.plan import PlanChoices
from server.errors import AppError, ErrorKind

BUNDLE_DIR = "ai4artsed-comfyui"
MANIFEST = "ai4artsed-comfyui-bundle.json"
WHEELS = "wheels"
PYTHON = "python"


class BundledFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str = Field(pattern=r"^[^/\\]{1,255}$")  # a plain name inside the bundle, never a path
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class BundledPython(BundledFile):
    """The bundle's CPython runtime: the wheels were chosen for it, so the installing PC uses it."""

    version: str = Field(pattern=r"^3\.[0-9]+\.[0-9]+$")
    # uv's key for the system (``linux-x86_64-gnu``): the installing PC must be the same kind.
    platform_key: str = Field(pattern=r"^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+$")


class ComfyUIBundleManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    version: str
    torch_build: str
    # Wheels fit one system and Python version: the installing PC must match.
    platform: str
    python_version: str
    archive: BundledFile
    wheels: list[BundledFile]
    python_runtime: BundledPython | None = None


def this_python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def bundle_root(folder: Path) -> Path:
    return folder / BUNDLE_DIR


def read_bundle(folder: Path) -> ComfyUIBundleManifest:
    path = bundle_root(folder) / MANIFEST
    try:
        return ComfyUIBundleManifest.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise AppError("comfyui_bundle_unreadable", ErrorKind.INVALID_INPUT, folder=str(folder)) from exc


def verify_wheels(folder: Path, manifest: ComfyUIBundleManifest) -> None:
    """Every wheel present with its checksum (the archive is checked by the install itself)."""
    wheels = bundle_root(folder) / WHEELS
    for wheel in manifest.wheels:
        path = wheels / wheel.file
        if not path.is_file() or sha256_of(path) != wheel.sha256:
            raise AppError("comfyui_bundle_damaged", ErrorKind.INVALID_INPUT, file=wheel.file)


def verify_python_runtime(folder: Path, manifest: ComfyUIBundleManifest) -> None:
    """The runtime archive present with its checksum (uv checks it again while installing)."""
    runtime = manifest.python_runtime
    if runtime is None:
        return
    path = bundle_root(folder) / PYTHON / runtime.file
    if not path.is_file() or sha256_of(path) != runtime.sha256:
        raise AppError("comfyui_bundle_damaged", ErrorKind.INVALID_INPUT, file=f"{PYTHON}/{runtime.file}")


def uv_download_list(archive: Path, sha256: str, version: str, platform_key: str) -> dict[str, object]:
    """A one-entry download list in the format of uv's own (``crates/uv-python/download-metadata.json``)
    naming a local archive by a file:// URL: ``uv python install --python-downloads-json-url`` then
    installs exactly this runtime, checking its sha256, without any network."""
    major, minor, patch = (int(part) for part in version.split("."))
    os_name, arch, libc = platform_key.split("-")
    return {
        f"cpython-{version}-{platform_key}": {
            "name": "cpython",
            "arch": {"family": arch, "variant": None},
            "os": os_name,
            "libc": libc,
            "major": major,
            "minor": minor,
            "patch": patch,
            "prerelease": "",
            "url": archive.absolute().as_uri(),
            "sha256": sha256,
            "variant": None,
        }
    }


def choices_from_bundle(folder: Path, base: PlanChoices) -> PlanChoices:
    manifest = read_bundle(folder)
    root = bundle_root(folder)
    return base.model_copy(
        update={
            "archive_file": str(root / manifest.archive.file),
            "archive_sha256": manifest.archive.sha256,
            "wheel_folder": str(root / WHEELS),
            "package_index": None,
            "bundle_folder": None,
        }
    )


def describe_wheels(wheels: Path) -> list[BundledFile]:
    return [
        BundledFile(file=path.name, sha256=sha256_of(path))
        for path in sorted(wheels.iterdir())
        if path.is_file() and path.suffix == ".whl"
    ]
