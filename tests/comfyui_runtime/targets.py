"""Which ComfyUI the tests run against: the test server always, a real ComfyUI when configured.

- The test server is ``tests/comfyui_testserver`` (a folder laid out like ComfyUI, run with the
  tests' own Python); ``COMFYUI_TESTSERVER_DIR`` may point at another copy of it.
- A real ComfyUI: ``COMFYUI_DIR`` + ``COMFYUI_PYTHON``; ``COMFYUI_TINY_CHECKPOINT`` may point at the
  synthetic checkpoint from tools/real_comfyui/make_tiny_checkpoint.py (needed for sampling).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT_NAME = "tiny-sd15.safetensors"


@dataclass(frozen=True)
class ComfyUITarget:
    name: str
    directory: Path
    python: Path
    ready_timeout_s: float
    tiny_checkpoint: Path | None = None

    @property
    def is_real(self) -> bool:
        return self.name == "real"

    def place_checkpoint(self, models_dir: Path) -> bool:
        """Puts the tiny checkpoint into the models folder; False when sampling cannot work here."""
        target = models_dir / "checkpoints" / CHECKPOINT_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        if not self.is_real:
            target.write_bytes(b"")  # the test server only lists model files
            return True
        if self.tiny_checkpoint is None or not self.tiny_checkpoint.is_file():
            return False
        if not target.exists():
            target.symlink_to(self.tiny_checkpoint.resolve())
        return True


def testserver_target() -> ComfyUITarget:
    directory = Path(os.environ.get("COMFYUI_TESTSERVER_DIR") or REPO_ROOT / "tests" / "comfyui_testserver")
    if not (directory / "main.py").is_file():
        pytest.skip(f"the ComfyUI test server is not at {directory}")
    return ComfyUITarget("testserver", directory, Path(sys.executable), 30.0)


def real_target() -> ComfyUITarget:
    comfy_dir, python = os.environ.get("COMFYUI_DIR"), os.environ.get("COMFYUI_PYTHON")
    if not comfy_dir or not python:
        pytest.skip("set COMFYUI_DIR and COMFYUI_PYTHON to test against a real ComfyUI")
    checkpoint = os.environ.get("COMFYUI_TINY_CHECKPOINT")
    return ComfyUITarget(
        "real", Path(comfy_dir), Path(python), 300.0, Path(checkpoint) if checkpoint else None
    )


def target_params() -> list[object]:
    return [
        pytest.param("testserver", id="testserver"),
        pytest.param("real", id="real", marks=pytest.mark.real_comfyui),
    ]


def resolve_target(name: str) -> ComfyUITarget:
    return real_target() if name == "real" else testserver_target()
