"""Explains in plain words why ComfyUI did not start or stopped, from the last lines of its log.

The patterns are the messages Python, PyTorch and aiohttp print for the failures teachers meet most:
the port is taken, a Python package is missing, there is no GPU driver for a GPU build of PyTorch,
memory ran out. Anything else is reported with the last meaningful log line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from server.comfyui.status import Reason

_MODULE_MISSING = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
_PORT_IN_USE = re.compile(
    r"address already in use|Errno 98|Errno 48|Errno 10048|WinError 10048"
    r"|only one usage of each socket address",
    re.IGNORECASE,
)
_BIND_PORT = re.compile(r"bind on address \(['\"][^'\"]*['\"], (\d+)\)")
_NO_GPU = re.compile(
    r"Torch not compiled with CUDA enabled|Found no NVIDIA driver|no CUDA-capable device"
    r"|No CUDA GPUs are available|CUDA driver version is insufficient"
    r"|NVIDIA driver on your system is too old",
    re.IGNORECASE,
)
_OUT_OF_MEMORY = re.compile(
    r"OutOfMemoryError|CUDA out of memory|MemoryError|not enough memory|Cannot allocate memory"
    r"|DefaultCPUAllocator: can't allocate memory",
    re.IGNORECASE,
)
_TRACEBACK_NOISE = re.compile(r"^(Traceback \(most recent call last\):|\s+File \"|\s+\^+\s*$|\s)")


def explain_failure(
    lines: Sequence[str], exit_code: int | None, redact: Callable[[str], str] = str
) -> Reason:
    text = "\n".join(lines)
    # The cause is the match nearest the end: a custom node that failed to import earlier (ComfyUI
    # goes on without it) must not be blamed for a later, different failure.
    found: list[tuple[int, Reason]] = []
    for match in _MODULE_MISSING.finditer(text):
        found.append(
            (match.start(), Reason(code="comfyui_module_missing", params={"module": match.group(1)}))
        )
    for match in _PORT_IN_USE.finditer(text):
        port = _BIND_PORT.search(text)
        found.append(
            (
                match.start(),
                Reason(code="comfyui_port_in_use", params={"port": port.group(1) if port else "?"}),
            )
        )
    for match in _NO_GPU.finditer(text):
        found.append((match.start(), Reason(code="comfyui_no_gpu")))
    for match in _OUT_OF_MEMORY.finditer(text):
        found.append((match.start(), Reason(code="comfyui_out_of_memory")))
    if found:
        return max(found, key=lambda item: item[0])[1]
    params = {"exit_code": "?" if exit_code is None else str(exit_code)}
    last = last_meaningful_line(lines)
    if last:
        return Reason(code="comfyui_exited_with_message", params={**params, "line": redact(last)[:300]})
    return Reason(code="comfyui_exited", params=params)


def last_meaningful_line(lines: Sequence[str]) -> str | None:
    """The last line that is not part of a traceback's frame list (usually the exception itself)."""
    for line in reversed(lines):
        if line.strip() and not _TRACEBACK_NOISE.match(line):
            return line.strip()
    return None
