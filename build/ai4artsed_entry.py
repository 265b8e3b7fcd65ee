"""Entry point of the frozen program: PyInstaller runs this file as ``__main__``.

Kept apart from ``desktop/main.py`` so that the bundle-only start-up steps live with the build.
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def _run() -> int:
    # A frozen program that uses multiprocessing must hand control to a spawned worker here.
    multiprocessing.freeze_support()

    # STAND-IN for the ComfyUI supervisor (server/comfyui/): the smoke test of `make dist` sets this
    # variable to check that a child process started from the frozen program gets a clean
    # environment. Once the supervisor has landed, the smoke test starts the ComfyUI test server
    # through it instead, and this block and build/frozen_child_check.py are deleted.
    if os.environ.get("AI4ARTSED_FROZEN_CHILD_CHECK"):
        from frozen_child_check import run_child_check

        return run_child_check()

    from desktop.main import main

    return main()


if __name__ == "__main__":
    sys.exit(_run())
