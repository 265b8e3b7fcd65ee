"""Finding a child's whole process tree and stopping it, politely first.

On Windows a venv's ``python.exe`` is a launcher whose child is the real interpreter, and ComfyUI's
custom nodes may start helpers of their own: killing only the direct child would leave them running,
holding ports, files and memory. So the whole tree is collected *before* the first signal (once the
root is gone its children can no longer be found through it).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Iterable

import psutil

log = logging.getLogger(__name__)

KILL_WAIT_S = 5.0


def process_tree(root: psutil.Process) -> list[psutil.Process]:
    """The root and all its descendants that still exist (root first)."""
    try:
        return [root, *root.children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return []


def stop_processes(processes: Iterable[psutil.Process], grace_s: float, polite_root: bool = True) -> None:
    """Asks politely (SIGTERM, or CTRL_BREAK to the root's process group on Windows), then kills.

    ``polite_root=False`` for processes of an earlier app run: on Windows CTRL_BREAK only reaches
    processes on our own console, so they are killed at once there.
    """
    targets = list(processes)
    if not targets:
        return
    if sys.platform == "win32" and not polite_root:
        grace_s = 0.0
    for index, process in enumerate(targets):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError, OSError):
            if sys.platform == "win32":
                # Only the group leader (started with CREATE_NEW_PROCESS_GROUP) can get CTRL_BREAK;
                # its group members get it too. Other processes are killed after the grace period.
                if index == 0 and polite_root:
                    process.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                process.send_signal(signal.SIGTERM)
    _gone, alive = psutil.wait_procs(targets, timeout=grace_s)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            log.warning("process %d did not stop within %.0f s; killing it", process.pid, grace_s)
            process.kill()
    psutil.wait_procs(alive, timeout=KILL_WAIT_S)
