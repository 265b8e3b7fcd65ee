"""STAND-IN for the ComfyUI supervisor's child start, used only by the smoke test of the frozen program.

The supervisor (server/comfyui/) will start ComfyUI with another Python interpreter in a clean
environment. Until it lands, this module starts a child the same way, so `make dist` can prove that
a child of the frozen program does not see the bundle's private library path. Delete this module
(and its block in ai4artsed_entry.py) when the smoke test switches to the real supervisor.

Inputs (environment): AI4ARTSED_FROZEN_CHILD_CHECK = the Python interpreter to start,
AI4ARTSED_FROZEN_CHILD_REPORT = the JSON file the child writes (its environment, its loaded files).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

# What the child runs: it reports its environment and every shared object it has mapped after
# loading the extension modules ComfyUI needs first (ssl, sqlite3, ctypes, zlib).
_CHILD_SCRIPT = """
import ctypes, json, os, sqlite3, ssl, sys, zlib
maps = []
if os.path.exists('/proc/self/maps'):
    with open('/proc/self/maps') as handle:
        maps = sorted({line.split()[-1] for line in handle if '/' in line})
report = {
    'env': dict(os.environ),
    'executable': sys.executable,
    'openssl': ssl.OPENSSL_VERSION,
    'mapped_files': maps,
}
with open(sys.argv[1], 'w', encoding='utf-8') as handle:
    json.dump(report, handle)
"""

# Set by PyInstaller's bootloader or its Qt run-time hook; they point into the bundle.
_BUNDLE_ONLY_VARIABLES = ("QT_PLUGIN_PATH", "QML2_IMPORT_PATH", "QTWEBENGINEPROCESS_PATH", "_MEIPASS2")
_LIBRARY_PATH_VARIABLES = ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "LIBPATH")


def clean_child_environment(parent: Mapping[str, str], bundle_dir: str | None) -> dict[str, str]:
    """The environment for a foreign program started from the frozen app (the supervisor's rules)."""
    # _PYI_*: the bootloader's own bookkeeping; another PyInstaller program would misread it.
    env = {name: value for name, value in parent.items() if not name.startswith("_PYI_")}
    for name in ("PYTHONHOME", "PYTHONPATH", *_BUNDLE_ONLY_VARIABLES):
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
    python = os.environ["AI4ARTSED_FROZEN_CHILD_CHECK"]
    report = os.environ["AI4ARTSED_FROZEN_CHILD_REPORT"]
    bundle_dir = getattr(sys, "_MEIPASS", None)
    env = clean_child_environment(os.environ, bundle_dir)
    for name in ("AI4ARTSED_FROZEN_CHILD_CHECK", "AI4ARTSED_FROZEN_CHILD_REPORT"):
        env.pop(name, None)
    if sys.platform == "win32" and bundle_dir is not None:
        # The bootloader's SetDllDirectory is inherited by children; undo it before starting one.
        import ctypes

        ctypes.windll.kernel32.SetDllDirectoryW(None)
    completed = subprocess.run([python, "-c", _CHILD_SCRIPT, report], env=env, timeout=60, check=False)
    print(f"child check: {python} exited with {completed.returncode}", flush=True)
    return completed.returncode
