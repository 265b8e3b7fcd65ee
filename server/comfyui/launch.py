"""The command line and environment a managed ComfyUI is started with (docs/design.md §3.2)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.comfyui.installation import ComfyUIInstallation
from server.errors import AppError, ErrorKind

# Flags the app sets itself, or that must never be set: ComfyUI has no authentication (no --listen
# beyond loopback, no CORS), a front-end download needs the internet, and the standalone-build flag
# turns browser auto-launch on.
FORBIDDEN_FLAGS = frozenset(
    {
        "--listen",
        "--port",
        "--enable-cors-header",
        "--front-end-version",
        "--windows-standalone-build",
        "--auto-launch",
        "--output-directory",
        "--input-directory",
        "--temp-directory",
        "--user-directory",
        "--base-directory",
        "--database-url",
        "--extra-model-paths-config",
        "--tls-keyfile",
        "--tls-certfile",
        "--multi-user",
    }
)

# Variables that would point the child at the app's own Python or bundle instead of ComfyUI's.
_DROPPED_VARIABLES = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "VIRTUAL_ENV")
# PyInstaller points these at its bundle and keeps the original value in <NAME>_ORIG.
_LIBRARY_PATH_VARIABLES = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "LIBPATH")
# Set by the frozen app only, pointing into the bundle: the bootloader's own, and those of
# PyInstaller's Qt run-time hook (a Qt in ComfyUI's Python, e.g. OpenCV's, must not load our plugins).
_FROZEN_ONLY_VARIABLES = ("_MEIPASS2", "QT_PLUGIN_PATH", "QML2_IMPORT_PATH")


@dataclass(frozen=True)
class StateFolders:
    """Everything ComfyUI writes goes under the app's data folder, never into the ComfyUI tree."""

    root: Path

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def input(self) -> Path:
        return self.root / "input"

    @property
    def temp(self) -> Path:
        return self.root / "temp"  # ComfyUI appends temp/ itself

    @property
    def user(self) -> Path:
        return self.root / "user"

    @property
    def database(self) -> Path:
        return self.root / "comfyui.db"

    def create(self) -> None:
        for folder in (self.output, self.input, self.temp, self.user):
            folder.mkdir(parents=True, exist_ok=True)


def check_device_flags(flags: Sequence[str]) -> None:
    for flag in flags:
        name = flag.split("=", 1)[0]
        if name in FORBIDDEN_FLAGS or not name.startswith("--"):
            raise AppError("comfyui_flag_not_allowed", ErrorKind.INVALID_INPUT, flag=flag)


def comfyui_command(
    installation: ComfyUIInstallation,
    port: int,
    state: StateFolders,
    model_paths_file: Path,
    device_flags: Sequence[str],
    *,
    offline: bool = True,
) -> list[str]:
    check_device_flags(device_flags)
    # Offline: ComfyUI's "API nodes" call comfy.org's paid cloud services; they must not even load.
    offline_flags = ["--disable-api-nodes"] if offline else []
    return [
        str(installation.python),
        "main.py",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--disable-auto-launch",
        "--extra-model-paths-config",
        str(model_paths_file.resolve()),
        "--output-directory",
        str(state.output.resolve()),
        "--input-directory",
        str(state.input.resolve()),
        "--temp-directory",
        str(state.temp.resolve()),
        "--user-directory",
        str(state.user.resolve()),
        "--database-url",
        f"sqlite:///{state.database.resolve().as_posix()}",
        "--preview-method",
        "latent2rgb",
        *offline_flags,
        *device_flags,
    ]


def comfyui_environment(
    base: Mapping[str, str], *, offline: bool, frozen: bool | None = None
) -> dict[str, str]:
    """A clean environment for ComfyUI's own Python, derived from the app's."""
    if frozen is None:
        frozen = bool(getattr(sys, "frozen", False))
    env = {name: value for name, value in base.items() if name not in _DROPPED_VARIABLES}
    for name in _LIBRARY_PATH_VARIABLES:
        original = env.pop(f"{name}_ORIG", None)
        if original is not None:
            env[name] = original
        elif frozen:
            env.pop(name, None)
    if frozen:
        for name in list(env):
            if name.startswith("_PYI_") or name in _FROZEN_ONLY_VARIABLES:
                del env[name]
    env.update({"PYTHONUTF8": "1", "PYTHONUNBUFFERED": "1", "DO_NOT_TRACK": "1"})
    if offline:
        # Hugging Face libraries (used by some nodes) neither download nor phone home.
        env.update(
            {
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "HF_DATASETS_OFFLINE": "1",
                "HF_HUB_DISABLE_TELEMETRY": "1",
            }
        )
    return env
