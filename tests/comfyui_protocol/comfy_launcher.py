"""Start the test server or a real ComfyUI as a child process, the way the app's supervisor will.

The real one is used when COMFYUI_DIR and COMFYUI_PYTHON are set; COMFYUI_TINY_CHECKPOINT may point
at the synthetic checkpoint made by tools/real_comfyui/make_tiny_checkpoint.py.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import loopback_http
from tests.support.app_process import free_port

TESTSERVER_DIR = Path(__file__).resolve().parents[1] / "comfyui_testserver"
CHECKPOINT_NAME = "tiny-sd15.safetensors"


@dataclass
class ComfyKind:
    """Which ComfyUI to start: the test server, or a real install."""

    name: str
    comfy_dir: Path
    python: str
    ready_timeout: float
    tiny_checkpoint: Path | None = None

    @property
    def is_real(self) -> bool:
        return self.name == "real"

    @property
    def has_real_checkpoint(self) -> bool:
        return not self.is_real or (self.tiny_checkpoint is not None and self.tiny_checkpoint.is_file())


def testserver_kind() -> ComfyKind:
    return ComfyKind("testserver", TESTSERVER_DIR, sys.executable, 20.0)


def real_kind() -> ComfyKind | None:
    comfy_dir, python = os.environ.get("COMFYUI_DIR"), os.environ.get("COMFYUI_PYTHON")
    if not comfy_dir or not python:
        return None
    checkpoint = os.environ.get("COMFYUI_TINY_CHECKPOINT")
    return ComfyKind("real", Path(comfy_dir), python, 300.0, Path(checkpoint) if checkpoint else None)


@dataclass
class StateDirs:
    """The folders a ComfyUI run uses, laid out like the recordings' <STATE_DIR> and <MODELS_DIR>."""

    state: Path
    models: Path

    @staticmethod
    def create(root: Path, kind: ComfyKind) -> "StateDirs":
        state, models = root / "state", root / "models"
        for sub in ("output", "input", "temp", "user"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        (models / "checkpoints").mkdir(parents=True, exist_ok=True)
        (models / "extra_model_paths.yaml").write_text(
            "models:\n  base_path: .\n  checkpoints: checkpoints\n"
        )
        target = models / "checkpoints" / CHECKPOINT_NAME
        if kind.is_real and kind.tiny_checkpoint is not None and kind.tiny_checkpoint.is_file():
            target.symlink_to(kind.tiny_checkpoint.resolve())
        else:
            # The test server never reads model files; a real ComfyUI only lists this one (no sampling).
            target.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
        return StateDirs(state, models)

    @property
    def placeholders(self) -> dict[str, str]:
        return {str(self.state): "<STATE_DIR>", str(self.models): "<MODELS_DIR>"}


@dataclass
class ComfyProcess:
    kind: ComfyKind
    dirs: StateDirs
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    argv: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if loopback_http.get(self.base_url + "/system_stats", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def command(kind: ComfyKind, dirs: StateDirs, port: int, extra: list[str] | None = None) -> list[str]:
    """The recordings' flags (see the transcripts' README), with our folders."""
    return [
        kind.python,
        str(kind.comfy_dir / "main.py"),
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--output-directory",
        str(dirs.state / "output"),
        "--input-directory",
        str(dirs.state / "input"),
        "--temp-directory",
        str(dirs.state / "temp"),
        "--user-directory",
        str(dirs.state / "user"),
        "--cpu",
        "--disable-auto-launch",
        "--disable-all-custom-nodes",
        "--database-url",
        "sqlite:///:memory:",
        "--extra-model-paths-config",
        str(dirs.models / "extra_model_paths.yaml"),
        "--preview-method",
        "latent2rgb",
        *(extra or []),
    ]


def start(
    kind: ComfyKind,
    dirs: StateDirs,
    *,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    port: int | None = None,
    wait: bool = True,
) -> ComfyProcess:
    port = port or free_port()
    argv = command(kind, dirs, port, extra_args)
    log_path = dirs.state.parent / f"comfy-{port}.log"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("COMFYUI_TESTSERVER_")}
    child_env.update({"PYTHONUNBUFFERED": "1", "PYTHONUTF8": "1", "DO_NOT_TRACK": "1"})
    if kind.is_real:
        # ComfyUI keeps the output nodes in a set, so independent branches run in hash order; with this
        # seed a real ComfyUI runs them in the recorded order (SaveAudio before SaveAudioMP3).
        child_env["PYTHONHASHSEED"] = "1"
    child_env.update(env or {})
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, cwd=kind.comfy_dir, stdout=log, stderr=subprocess.STDOUT, env=child_env
        )
    running = ComfyProcess(kind, dirs, port, process, log_path, argv)
    if wait and not running.wait_ready(kind.ready_timeout):
        running.stop()
        raise RuntimeError(f"{kind.name} ComfyUI did not become ready; log:\n{running.log_text()[-3000:]}")
    return running
