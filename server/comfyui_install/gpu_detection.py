"""Which graphics hardware this computer has, read from the vendors' own tools.

The parsers are pure functions on the tools' text (tested with samples from the tools' public
documentation); ``detect_gpu`` runs the tools through a ``ToolRunner`` (the app's supervised children)
and falls back to "none" (CPU) when nothing answers.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class GpuKind(StrEnum):
    NVIDIA = "nvidia"
    AMD = "amd"
    APPLE = "apple"
    NONE = "none"


class DetectedGpu(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: GpuKind
    name: str | None = None
    driver_version: str | None = None
    memory_mb: int | None = None


CPU_ONLY = DetectedGpu(kind=GpuKind.NONE)

# Runs a tool and returns its standard output, or None when it is missing or fails.
ToolRunner = Callable[[Sequence[str]], str | None]

NVIDIA_SMI_QUERY = ("nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader")


def parse_nvidia_smi_csv(text: str) -> DetectedGpu | None:
    """``nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader``: one GPU a line."""
    for line in text.splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) < 2 or not parts[0]:
            continue
        memory = re.match(r"(\d+)\s*MiB", parts[2]) if len(parts) > 2 else None
        return DetectedGpu(
            kind=GpuKind.NVIDIA,
            name=parts[0],
            driver_version=parts[1] or None,
            memory_mb=int(memory.group(1)) if memory else None,
        )
    return None


def parse_nvidia_smi_summary(text: str) -> DetectedGpu | None:
    """Plain ``nvidia-smi`` (its summary table), for drivers whose tool lacks --query-gpu."""
    driver = re.search(r"Driver Version:\s*([\d.]+)", text)
    if driver is None:
        return None
    name = re.search(r"^\|\s+\d+\s+(.+?)\s{2,}(?:On|Off)\s+\|", text, re.MULTILINE)
    memory = re.search(r"/\s*(\d+)MiB", text)
    return DetectedGpu(
        kind=GpuKind.NVIDIA,
        name=name.group(1).strip() if name else None,
        driver_version=driver.group(1),
        memory_mb=int(memory.group(1)) if memory else None,
    )


def parse_rocminfo(text: str) -> DetectedGpu | None:
    """``rocminfo``: agents in blocks; the first with ``Device Type: GPU`` is the AMD GPU."""
    for block in re.split(r"\*{5,}\s*\n\s*Agent \d+\s*\n\s*\*{5,}", text):
        if not re.search(r"Device Type:\s*GPU", block):
            continue
        marketing = re.search(r"Marketing Name:\s*(.+)", block)
        chip = re.search(r"^\s*Name:\s*(gfx\w+)", block, re.MULTILINE)
        name = marketing.group(1).strip() if marketing else None
        if chip:
            name = f"{name} ({chip.group(1)})" if name else chip.group(1)
        return DetectedGpu(kind=GpuKind.AMD, name=name)
    return None


def parse_macos_cpu(brand: str, machine: str) -> DetectedGpu | None:
    """``sysctl -n machdep.cpu.brand_string`` and ``uname -m``: Apple Silicon runs PyTorch on MPS."""
    if machine.strip() != "arm64" and not brand.strip().startswith("Apple"):
        return None
    return DetectedGpu(kind=GpuKind.APPLE, name=brand.strip() or "Apple Silicon")


def parse_windows_video_controllers(text: str) -> DetectedGpu | None:
    """``Get-CimInstance Win32_VideoController | Format-List Name,DriverVersion`` (WMI).

    Only an AMD card is taken from here (NVIDIA answers through nvidia-smi, which its driver
    installs); PyTorch has no ROCm build for Windows, so the plan turns it into CPU with a word why.
    """
    for block in re.split(r"\n\s*\n", text):
        name = re.search(r"^Name\s*:\s*(.+)$", block, re.MULTILINE)
        if name and re.search(r"\b(AMD|Radeon)\b", name.group(1)):
            driver = re.search(r"^DriverVersion\s*:\s*(.+)$", block, re.MULTILINE)
            return DetectedGpu(
                kind=GpuKind.AMD,
                name=name.group(1).strip(),
                driver_version=driver.group(1).strip() if driver else None,
            )
    return None


def detect_gpu(run: ToolRunner, platform: str = sys.platform) -> DetectedGpu:
    if platform == "darwin":
        brand = run(("sysctl", "-n", "machdep.cpu.brand_string")) or ""
        machine = run(("uname", "-m")) or ""
        return parse_macos_cpu(brand, machine) or CPU_ONLY
    found = parse_nvidia_smi_csv(run(NVIDIA_SMI_QUERY) or "")
    if found is not None:
        return found
    if platform == "win32":
        listing = run(
            (
                "powershell",
                "-NoProfile",
                "-Command",
                "Get-CimInstance Win32_VideoController | Format-List Name,DriverVersion",
            )
        )
        return parse_windows_video_controllers(listing or "") or CPU_ONLY
    return parse_rocminfo(run(("rocminfo",)) or "") or CPU_ONLY
