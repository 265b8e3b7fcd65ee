"""A ComfyUI folder whose main.py starts a grandchild process and then runs the real main.py.

Stopping ComfyUI must end the whole tree; an orphan cleanup must find the grandchild too. The
grandchild's pid is written to ``grandchild.pid`` beside the wrapper's main.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil

WRAPPER_MAIN = """\
import os, runpy, subprocess, sys
TARGET = {target!r}
here = os.path.dirname(os.path.abspath(__file__))
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
with open(os.path.join(here, "grandchild.pid.tmp"), "w") as handle:
    handle.write(str(child.pid))
os.replace(os.path.join(here, "grandchild.pid.tmp"), os.path.join(here, "grandchild.pid"))
sys.argv[0] = os.path.join(TARGET, "main.py")
sys.path[0] = TARGET
os.chdir(TARGET)
runpy.run_path(os.path.join(TARGET, "main.py"), run_name="__main__")
"""


def make_tree_wrapper(folder: Path, target_dir: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.py").write_text(WRAPPER_MAIN.format(target=str(target_dir)), encoding="utf-8")
    return folder


def grandchild_pid(folder: Path, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    pid_file = folder / "grandchild.pid"
    while not pid_file.exists():
        assert time.monotonic() < deadline, "the wrapper did not start its grandchild"
        time.sleep(0.05)
    return int(pid_file.read_text(encoding="utf-8"))


def is_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while is_running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
