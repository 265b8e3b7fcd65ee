"""What an install will do, decided before anything is downloaded (shown to the teacher as is).

The pinned release comes from ``configs/comfyui_release.json`` (version, archive checksum, PyTorch
builds per GPU kind, known-good constraints); the detected GPU picks the PyTorch build; the teacher
(or school IT) may name an archive file, a package index (a school mirror) or a wheel folder.
"""

from __future__ import annotations

import json
import os
import platform as platform_module
import shutil
from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.comfyui_install.gpu_detection import DetectedGpu, GpuKind
from server.errors import AppError, ErrorKind
from server.network.destinations import is_loopback_host

# Tests and school IT may point the app at another release pin (e.g. one for a local mirror).
RELEASE_FILE_VARIABLE = "AI4ARTSED_COMFYUI_RELEASE"
RELEASE_FILE_NAME = "comfyui_release.json"
# Room for unpacking, uv's cache and the first outputs on top of what is downloaded.
SPACE_MARGIN_BYTES = 2_000_000_000


class TorchBuild(StrEnum):
    CUDA = "cuda"
    ROCM = "rocm"
    MPS = "mps"
    CPU = "cpu"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArchivePin(_Strict):
    url: str
    # The release's commit and its git tree id: what upstream publishes (GitHub gives no checksum
    # for source archives). The unpacked archive must have exactly this tree id.
    commit: str | None = Field(default=None, pattern=r"^[0-9a-f]{40}$")
    git_tree: str | None = Field(default=None, pattern=r"^[0-9a-f]{40}$")
    # Optional second pin of the archive's bytes (a lab bundle maker's or IT's own archive).
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)


class TorchPin(_Strict):
    index_url: str
    packages: list[str]
    size_bytes: int = Field(ge=0)


class PythonRuntimeDownload(_Strict):
    """One python-build-standalone ``install_only`` archive (what ``uv python install`` fetches)."""

    url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(default=0, ge=0)


class PythonRuntimePin(_Strict):
    """The CPython a lab bundle carries: one archive per platform, keyed like uv's download list
    (``linux-x86_64-gnu``, ``windows-x86_64-none``, ``darwin-aarch64-none``, ``darwin-x86_64-none``)."""

    about: str = ""
    version: str = Field(pattern=r"^3\.[0-9]+\.[0-9]+$")
    build: str = ""
    downloads: dict[str, PythonRuntimeDownload]


def runtime_platform_key(platform: str, machine: str | None = None) -> str:
    """This PC in the key format of uv's download list (``<os>-<arch>-<libc>``)."""
    arch = (machine or platform_module.machine()).lower()
    arch = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}.get(arch, arch)
    if platform == "win32":
        return f"windows-{arch}-none"
    if platform == "darwin":
        return f"darwin-{arch}-none"
    libc = "musl" if platform_module.libc_ver()[0] not in ("glibc", "") else "gnu"
    return f"linux-{arch}-{libc}"


class ReleasePin(_Strict):
    about: str = ""
    version: str = Field(pattern=r"^[0-9A-Za-z.+-]{1,40}$")
    archive: ArchivePin
    python: str
    package_index: str
    # A wheel folder or URL instead of the indexes (a school's or a test's local wheels).
    wheel_folder: str | None = None
    torch: dict[TorchBuild, TorchPin]
    constraints_note: str = ""
    constraints: list[str] = Field(default_factory=list)
    extra_requirements: list[str] = Field(default_factory=list)
    requirements_size_bytes: int = Field(default=0, ge=0)
    # The Python runtime a lab bundle carries (None: bundles hold no Python, the installing PC needs one).
    python_runtime: PythonRuntimePin | None = None


def release_file(app_configs: Path) -> Path:
    chosen = os.environ.get(RELEASE_FILE_VARIABLE)
    return Path(chosen) if chosen else app_configs / RELEASE_FILE_NAME


def load_release(path: Path) -> ReleasePin:
    try:
        return ReleasePin.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise AppError("comfyui_install_release_broken", ErrorKind.FAILED, file=str(path)) from exc


class PlanChoices(_Strict):
    """What the teacher or IT chose beyond the defaults (all optional)."""

    # A downloaded archive on disk or a USB stick instead of the download.
    archive_file: str | None = Field(default=None, max_length=4096)
    archive_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    # A school's package mirror (PEP 503 simple index) used for every package, PyTorch included.
    package_index: str | None = Field(default=None, max_length=2048)
    # A folder (or URL) of wheels: then no index is asked at all.
    wheel_folder: str | None = Field(default=None, max_length=4096)
    # A Python interpreter to build the environment from instead of one uv finds or downloads.
    python: str | None = Field(default=None, max_length=4096)
    # A lab bundle's folder (a USB stick): its manifest names the archive and the wheel folder.
    bundle_folder: str | None = Field(default=None, max_length=4096)
    # Force the CPU build even when a GPU was found.
    cpu_only: bool = False


class InstallPlan(_Strict):
    version: str
    gpu: DetectedGpu
    torch_build: TorchBuild
    # True when the GPU cannot be used by this PyTorch (e.g. AMD on Windows): the UI says why.
    gpu_unusable: bool
    archive_url: str | None
    archive_file: str | None
    archive_sha256: str | None
    # The git tree id the unpacked archive must have (the pinned commit's); None for a file that
    # came with its own sha256 (a lab bundle, an archive from IT).
    archive_git_tree: str | None = None
    python: str
    # Where the environment's Python comes from: one uv finds on the PC ("found") or the lab
    # bundle's own runtime ("bundle": installed by uv from the stick, no network).
    python_source: Literal["found", "bundle"] = "found"
    python_runtime_file: str | None = None
    python_runtime_sha256: str | None = None
    torch_index_url: str | None
    torch_packages: list[str]
    package_index: str | None
    wheel_folder: str | None
    constraints: list[str]
    extra_requirements: list[str]
    # Only local sources: uv runs with --offline and downloads nothing (lab bundles).
    offline: bool
    needs_network: bool
    install_root: str
    download_bytes: int
    # The release pin's estimates per uv step (progress shows what is installed against them).
    torch_bytes: int = 0
    requirements_bytes: int = 0
    space_needed_bytes: int
    space_free_bytes: int | None


def _torch_build(gpu: DetectedGpu, platform: str) -> tuple[TorchBuild, bool]:
    if gpu.kind is GpuKind.NVIDIA and platform != "darwin":
        return TorchBuild.CUDA, False
    if gpu.kind is GpuKind.AMD:
        # PyTorch publishes ROCm builds for Linux only.
        return (TorchBuild.ROCM, False) if platform.startswith("linux") else (TorchBuild.CPU, True)
    if gpu.kind is GpuKind.APPLE and platform == "darwin":
        return TorchBuild.MPS, False
    return TorchBuild.CPU, False


def make_plan(
    release: ReleasePin,
    gpu: DetectedGpu,
    choices: PlanChoices,
    install_root: Path,
    platform: str,
) -> InstallPlan:
    build, unusable = _torch_build(gpu, platform)
    if choices.cpu_only:
        build = TorchBuild.CPU
    torch = release.torch[build]
    archive_file = choices.archive_file.strip() if choices.archive_file else None
    # A file of the pinned release has the pinned checksum; another file (a bundle's) brings its own.
    sha256 = (choices.archive_sha256 or release.archive.sha256) if archive_file else release.archive.sha256
    # A file with a checksum of its own is vouched for by whoever gave it; every other archive is
    # the pinned release and must unpack to the pinned commit's tree.
    git_tree = None if (archive_file and choices.archive_sha256) else release.archive.git_tree
    wheel_folder = (choices.wheel_folder or "").strip() or release.wheel_folder
    package_index = (choices.package_index or "").strip() or None
    offline = bool(wheel_folder) and not _is_url(wheel_folder or "") and bool(archive_file)
    local_wheels = bool(wheel_folder) and not _is_url(wheel_folder or "")
    download = 0 if archive_file else release.archive.size_bytes
    if not local_wheels:
        download += torch.size_bytes + release.requirements_size_bytes
    needed = release.archive.size_bytes * 3 + torch.size_bytes + release.requirements_size_bytes
    return InstallPlan(
        version=release.version,
        gpu=gpu,
        torch_build=build,
        gpu_unusable=unusable,
        archive_url=None if archive_file else release.archive.url,
        archive_file=archive_file,
        archive_sha256=sha256,
        archive_git_tree=git_tree,
        python=(choices.python or "").strip() or release.python,
        # A school mirror serves PyTorch too; a wheel folder replaces every index.
        torch_index_url=None if wheel_folder else (package_index or torch.index_url),
        torch_packages=list(torch.packages),
        package_index=None if wheel_folder else (package_index or release.package_index),
        wheel_folder=wheel_folder,
        constraints=list(release.constraints),
        extra_requirements=list(release.extra_requirements),
        offline=offline,
        needs_network=any(
            _is_url(source) and not _is_loopback_url(source)
            for source in (
                None if archive_file else release.archive.url,
                None if wheel_folder else (package_index or torch.index_url),
                None if wheel_folder else (package_index or release.package_index),
                wheel_folder,
            )
            if source
        ),
        install_root=str(install_root),
        download_bytes=download,
        torch_bytes=torch.size_bytes,
        requirements_bytes=release.requirements_size_bytes,
        space_needed_bytes=needed + SPACE_MARGIN_BYTES,
        space_free_bytes=_free_bytes(install_root),
    )


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _is_loopback_url(value: str) -> bool:
    return is_loopback_host(urlsplit(value).hostname or "")


def _free_bytes(folder: Path) -> int | None:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None
