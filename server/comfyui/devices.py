"""Which device flags ComfyUI gets when the teacher has not chosen any.

ComfyUI asks PyTorch for a CUDA device unless told otherwise; on a machine without a GPU driver it
then dies at start ("Torch not compiled with CUDA enabled", "Found no NVIDIA driver"). So without a
sign of a usable GPU we pass ``--cpu``. Apple silicon needs no flag (ComfyUI picks MPS itself).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

CPU_FLAGS: tuple[str, ...] = ("--cpu",)


def gpu_detected() -> bool:
    if sys.platform == "darwin":
        return True
    if shutil.which("nvidia-smi"):
        return True
    if sys.platform == "win32":
        return Path(r"C:\Windows\System32\nvidia-smi.exe").is_file()
    # The NVIDIA kernel driver, or AMD's ROCm compute device.
    return Path("/proc/driver/nvidia/version").is_file() or Path("/dev/kfd").exists()


def automatic_device_flags() -> tuple[str, ...]:
    return () if gpu_detected() else CPU_FLAGS
