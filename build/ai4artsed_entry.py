"""Entry point of the frozen program: PyInstaller runs this file as ``__main__``.

Kept apart from ``desktop/main.py`` so that the bundle-only start-up steps live with the build.
"""

from __future__ import annotations

import multiprocessing
import sys


def _run() -> int:
    # A frozen program that uses multiprocessing must hand control to a spawned worker here.
    multiprocessing.freeze_support()

    # The built-in LLM engine (server/llm/builtin_engine.py, started from server/services.py) runs
    # the frozen program again with this switch: llama-cpp-python's OpenAI-compatible server behind
    # the key and Host checks of server/llm/engine_server.py.
    if len(sys.argv) > 1 and sys.argv[1] == LLAMA_SERVER_SWITCH:
        return _run_llama_server(sys.argv[2:])

    from desktop.main import main

    return main()


LLAMA_SERVER_SWITCH = "--llama-server"


def _run_llama_server(arguments: list[str]) -> int:
    # It imports llama-cpp-python only when it runs, and says so when this build has none (exit 3).
    from server.llm.engine_server import main as engine_server_main

    sys.argv = [f"{sys.argv[0]} {LLAMA_SERVER_SWITCH}", *arguments]
    return engine_server_main(arguments)


if __name__ == "__main__":
    sys.exit(_run())
