"""Realistic ways for a ComfyUI start to fail, chosen with COMFYUI_TESTSERVER_FAIL_AT_START."""

import sys

_TORCH_MISSING = """Traceback (most recent call last):
  File "{main}", line 11, in <module>
    import utils.extra_config
  File "{base}/utils/extra_config.py", line 3, in <module>
    import folder_paths
  File "{base}/folder_paths.py", line 9, in <module>
    from comfy.cli_args import args
  File "{base}/comfy/model_management.py", line 21, in <module>
    import torch
ModuleNotFoundError: No module named 'torch'
"""

_CUDA_MISSING = """Traceback (most recent call last):
  File "{main}", line 150, in <module>
    import execution
  File "{base}/comfy/model_management.py", line 232, in <module>
    total_vram = get_total_memory(get_torch_device()) / (1024 * 1024)
  File "{base}/comfy/model_management.py", line 182, in get_torch_device
    return torch.device(torch.cuda.current_device())
  File "{base}/.venv/lib/python3.11/site-packages/torch/cuda/__init__.py", line 310, in _lazy_init
    raise AssertionError("Torch not compiled with CUDA enabled")
AssertionError: Torch not compiled with CUDA enabled
"""

_SYNTAX = """Traceback (most recent call last):
  File "{main}", line 6, in <module>
    import folder_paths
  File "{base}/folder_paths.py", line 1
    from __future__ import annotations
    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
SyntaxError: invalid syntax
"""

FAILURES = {"torch_missing": _TORCH_MISSING, "cuda_missing": _CUDA_MISSING, "syntax_error": _SYNTAX}


def fail_at_start(kind: str, main_path: str, base_dir: str) -> None:
    """Print the chosen traceback to stderr and end the process with status 1, as Python does."""
    text = FAILURES.get(kind, _TORCH_MISSING)
    sys.stderr.write(text.format(main=main_path, base=base_dir))
    sys.stderr.flush()
    raise SystemExit(1)
