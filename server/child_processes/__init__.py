"""The app's child processes: one way to start them, one record, one clean-up after a crash.

Use ``ChildProcesses.spawn(name, argv, env=..., cwd=..., output=...)`` for every program the app
runs (ComfyUI, the built-in LLM engine, an installer's uv or pip) and ``SupervisedChild.stop()``
when it is no longer needed.
"""

from server.child_processes.children import ChildOutput, ChildProcesses, SupervisedChild

__all__ = ["ChildOutput", "ChildProcesses", "SupervisedChild"]
