"""STAND-IN for the ComfyUI supervisor's child start, used only by the smoke test of the frozen program.

The supervisor (server/comfyui/) will start ComfyUI with another Python interpreter in a clean
environment. Until it lands, this module starts a child the same way, so `make dist` can prove that
a child of the frozen program does not see the bundle's private library path. The smoke test starts
the ComfyUI test server (tests/comfyui_testserver/main.py) through it and inspects the running
process. Delete this module (and its block in ai4artsed_entry.py) when the smoke test switches to
the real supervisor.

Input (environment): AI4ARTSED_FROZEN_CHILD_COMMAND = the child's command line as a JSON list.
The frozen program waits for the child and exits with its exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping

COMMAND_VARIABLE = "AI4ARTSED_FROZEN_CHILD_COMMAND"

# Set by PyInstaller's bootloader or its Qt run-time hook; they point into the bundle.
_BUNDLE_ONLY_VARIABLES = ("QT_PLUGIN_PATH", "QML2_IMPORT_PATH", "QTWEBENGINEPROCESS_PATH", "_MEIPASS2")
_LIBRARY_PATH_VARIABLES = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "LIBPATH")


def clean_child_environment(parent: Mapping[str, str], bundle_dir: str | None) -> dict[str, str]:
    """The environment for a foreign program started from the frozen app (the supervisor's rules)."""
    # _PYI_*: the bootloader's own bookkeeping; another PyInstaller program would misread it.
    env = {name: value for name, value in parent.items() if not name.startswith("_PYI_")}
    for name in ("PYTHONHOME", "PYTHONPATH", COMMAND_VARIABLE, *_BUNDLE_ONLY_VARIABLES):
        env.pop(name, None)
    for name in _LIBRARY_PATH_VARIABLES:
        # The bootloader keeps the user's own value in NAME_ORIG; no NAME_ORIG means there was none.
        original = env.pop(f"{name}_ORIG", None)
        if original is not None:
            env[name] = original
        elif bundle_dir is not None:
            env.pop(name, None)
    if bundle_dir is not None and "PATH" in env:
        # On Windows the Qt run-time hook puts the bundle first on PATH.
        env["PATH"] = os.pathsep.join(
            entry for entry in env["PATH"].split(os.pathsep) if not entry.startswith(bundle_dir)
        )
    env.update({"PYTHONUTF8": "1", "PYTHONUNBUFFERED": "1", "DO_NOT_TRACK": "1"})
    return env


def run_child_check() -> int:
    command = json.loads(os.environ[COMMAND_VARIABLE])
    bundle_dir = getattr(sys, "_MEIPASS", None)
    env = clean_child_environment(os.environ, bundle_dir)
    if sys.platform == "win32" and bundle_dir is not None:
        # The bootloader's SetDllDirectory is inherited by children; undo it before starting one.
        import ctypes

        ctypes.windll.kernel32.SetDllDirectoryW(None)
    completed = subprocess.run(command, env=env, check=False)
    print(f"child check: {command[0]} exited with {completed.returncode}", flush=True)
    return 0 if completed.returncode in (0, -15) else 1
