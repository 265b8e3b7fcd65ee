"""A stand-in app for tests: starts one child through ``ChildProcesses`` and waits to be killed.

Usage: ``python -m tests.child_processes.crashing_app RECORD_FILE REPORT_FILE``

The child starts a grandchild of its own (as ComfyUI's custom nodes do). Once the grandchild is in
the process record, the pids go to REPORT_FILE as JSON: ``{"child": ..., "grandchild": ...}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from server.child_processes import ChildProcesses

CHILD_CODE = """\
import subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(grandchild.pid, flush=True)
time.sleep(600)
"""


def main() -> None:
    record, report = Path(sys.argv[1]), Path(sys.argv[2])
    children = ChildProcesses(record)
    pid_file = report.with_name("grandchild.pid")
    with pid_file.open("wb") as output:
        child = children.spawn(
            "sleeper", [sys.executable, "-c", CHILD_CODE], env=dict(os.environ), output=output
        )
    deadline = time.monotonic() + 30
    while not pid_file.read_text(encoding="utf-8").strip():
        if time.monotonic() > deadline:
            sys.exit("the child did not start its grandchild")
        time.sleep(0.05)
    grandchild = int(pid_file.read_text(encoding="utf-8"))
    while True:
        child.remember_descendants()
        loaded = json.loads(record.read_text(encoding="utf-8"))
        if grandchild in [entry["pid"] for entry in loaded["children"][0]["processes"]]:
            break
        time.sleep(0.05)
    partial = report.with_name(report.name + ".tmp")
    partial.write_text(json.dumps({"child": child.pid, "grandchild": grandchild}), encoding="utf-8")
    partial.replace(report)
    time.sleep(600)


if __name__ == "__main__":
    main()
