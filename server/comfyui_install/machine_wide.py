"""Where a machine-wide ComfyUI install lives (made by an admin with `ai4artsed --install-comfyui
--machine-wide`), and the lab policy that points every user's app at it.

The app itself only ever reads this folder: every user's ComfyUI state (output, input, temp, user
folder) stays in their own data folder, because the supervisor passes ComfyUI those folders.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from server.comfyui.installation import ComfyUIInstallation

# For tests and unusual layouts: another root than the documented one per operating system.
MACHINE_ROOT_VARIABLE = "AI4ARTSED_MACHINE_COMFYUI_ROOT"


def machine_comfyui_root(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> Path:
    chosen = environ.get(MACHINE_ROOT_VARIABLE, "").strip()
    if chosen:
        return Path(chosen)
    if platform == "win32":
        program_data = environ.get("ProgramData") or environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(program_data) / "AI4ArtsEd" / "ComfyUI"
    if platform == "darwin":
        return Path("/Library/Application Support/AI4ArtsEd/ComfyUI")
    return Path("/opt/ai4artsed/comfyui")


def writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".ai4artsed-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


def policy_for(root: Path, installation: ComfyUIInstallation) -> dict[str, object]:
    """The policy.json entries that make every user's app use this install (and not install its own)."""
    return {
        "comfyui": {
            "mode": "managed",
            "directory": str(installation.directory),
            "python": str(installation.python),
        },
        "comfyui_install": {"allowed": False, "root": str(root)},
    }


def open_for_reading(root: Path) -> None:
    """Everyone may read and run the install; only the admin may change it (POSIX; Windows inherits
    ProgramData's rights: Users read and execute)."""
    if sys.platform == "win32":
        return
    for current, folders, files in os.walk(root):
        for name in [*folders, *files]:
            path = Path(current) / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            path.chmod(mode | 0o444 | (0o111 if path.is_dir() or mode & 0o100 else 0))
    root.chmod(root.stat().st_mode | 0o555)
