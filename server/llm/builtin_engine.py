"""The built-in local LLM engine: ``llama-cpp-python``'s OpenAI-compatible server as a supervised child.

Started on first use with a GGUF file on a free loopback port, ready when ``GET /v1/models`` answers,
restarted with backoff after a crash, stopped (whole process tree, politely first) with the app. A
start that keeps failing becomes ``EngineFailedError`` carrying the last lines of the engine's log.

The child is started through the app's one way to start processes (``server/child_processes/``):
recorded, tied to the app's life, reaped after a crash. It runs ``server/llm/engine_server.py``,
which lets in only requests with this launch's random key (handed over in the environment, never
as an argument) and a loopback Host header, and sends no CORS headers.

How the child is launched is an ``EngineCommand``: in development it is
``<python> -m server.llm.engine_server``; a frozen (PyInstaller) app passes its own executable plus a
switch that runs the same module.
"""

from __future__ import annotations

import enum
import importlib.util
import logging
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field

from server.child_processes import ChildProcesses, SupervisedChild
from server.llm.chat_errors import EngineFailedError, EngineModelMissingError, EngineNotInstalledError
from server.llm.engine_server import KEY_VARIABLE

_log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
LOG_FILE_NAME = "llm-engine.log"
_LOG_ROTATE_BYTES = 5 * 1024 * 1024
_LOG_TAIL_LINES = 15
_PROVIDER_LABEL = "llama.cpp"
ENGINE_MODULE = "server.llm.engine_server"
# The folder that holds the ``server`` package: the engine child imports its module from there.
_SOURCE_ROOT = Path(__file__).resolve().parents[2]

# Environment variables the child keeps. Everything else is dropped on purpose: llama-cpp-python's
# settings are pydantic-settings and read *any* variable named like a setting (HOST, PORT, MODEL,
# SEED, ...), and PYTHONPATH/PYTHONHOME from our process would break a different interpreter.
_KEPT_VARIABLES = frozenset(
    {
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TMPDIR", "TEMP", "TMP", "TZ",
        "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "USERNAME",
        "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "PROGRAMFILES", "NUMBER_OF_PROCESSORS",
        "PROCESSOR_ARCHITECTURE", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "SSL_CERT_FILE",
    }
)  # fmt: skip
_KEPT_PREFIXES = ("LC_", "CUDA_", "GGML_", "OMP_", "HIP_", "ROCR_", "XDG_")


class EngineSettings(BaseModel):
    """How the engine runs; the defaults suit a CPU-only school PC."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_ctx: int = Field(default=4096, ge=256)
    # None: llama-cpp-python's default (half the CPU cores).
    n_threads: int | None = Field(default=None, ge=1)
    start_timeout_s: float = Field(default=180.0, gt=0)
    stop_timeout_s: float = Field(default=10.0, gt=0)
    # A start is tried this often per use before we give up and show the log.
    start_attempts: int = Field(default=3, ge=1)
    # This many crashes within the window and the engine is reported as failed instead of restarted.
    max_crashes: int = Field(default=3, ge=1)
    crash_window_s: float = Field(default=300.0, gt=0)
    backoff_initial_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=8.0, ge=0)


class EngineCommand(Protocol):
    """Builds the argument list that starts the server for one model on one port."""

    def build(self, model_path: Path, host: str, port: int, settings: EngineSettings) -> list[str]: ...

    @property
    def working_directory(self) -> Path | None:
        """Where the child runs; None: the engine's log folder."""
        ...


class EngineServerCommand:
    """``<launcher...> --model FILE --host H --port P ...`` for ``server/llm/engine_server.py``."""

    def __init__(
        self, launcher: Sequence[str], model_alias: str = "builtin", working_directory: Path | None = None
    ) -> None:
        if not launcher:
            raise ValueError("the launcher needs at least the executable")
        self._launcher = list(launcher)
        self.model_alias = model_alias
        self._working_directory = working_directory

    @classmethod
    def for_interpreter(cls, python: Path | str, model_alias: str = "builtin") -> EngineServerCommand:
        """Development and source installs: run the module with the given Python, from our source
        folder (so the child runs the same code as the app, not another installed copy)."""
        return cls([str(python), "-m", ENGINE_MODULE], model_alias, working_directory=_SOURCE_ROOT)

    @property
    def working_directory(self) -> Path | None:
        return self._working_directory

    def build(self, model_path: Path, host: str, port: int, settings: EngineSettings) -> list[str]:
        args = [
            *self._launcher,
            "--model", str(model_path),
            "--model_alias", self.model_alias,
            "--host", host,
            "--port", str(port),
            "--n_ctx", str(settings.n_ctx),
            # Queue concurrent requests (e.g. a safety check during an interception) instead of
            # letting a new request abort the one that is streaming.
            "--interrupt_requests", "false",
        ]  # fmt: skip
        if settings.n_threads is not None:
            args += ["--n_threads", str(settings.n_threads)]
        # No --chat_format: llama-cpp-python then uses the chat template from the GGUF metadata.
        # No key: it goes through the environment (arguments show in ps, logs, the process record).
        return args


@dataclass(frozen=True)
class EngineEndpoint:
    """Where the running engine answers, and the key it wants (new at every launch)."""

    base_url: str
    api_key: str = field(repr=False)


def clean_child_environment(parent: Mapping[str, str], frozen: bool) -> dict[str, str]:
    """The environment for the engine: only what a process needs, never our Python paths."""
    env = {
        name: value
        for name, value in parent.items()
        if name.upper() in _KEPT_VARIABLES or name.upper().startswith(_KEPT_PREFIXES)
    }
    # PyInstaller's bootloader prepends its own library folder and keeps the original in *_ORIG.
    for name in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"):
        original = parent.get(f"{name}_ORIG")
        if original is not None:
            env[name] = original
        elif frozen:
            env.pop(name, None)
    env.update({"PYTHONUNBUFFERED": "1", "PYTHONUTF8": "1", "DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1"})
    return env


def find_free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class EngineState(enum.StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    # The process died on its own; the next use restarts it.
    CRASHED = "crashed"
    FAILED = "failed"


class EngineStatus(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    state: EngineState
    model_path: str | None
    base_url: str | None
    pid: int | None
    restarts: int


class _StartFailedError(Exception):
    pass


class BuiltinEngine:
    """Supervises one engine process. Thread-safe; construct once and pass it in."""

    def __init__(
        self,
        command: EngineCommand,
        log_dir: Path,
        settings: EngineSettings | None = None,
        *,
        frozen: bool = False,
        children: ChildProcesses | None = None,
    ) -> None:
        """``children``: the app's one way to start processes; its own (recorded in the log folder)
        when the engine runs alone, as in tests."""
        self._command = command
        self._log_dir = log_dir
        self._settings = settings or EngineSettings()
        self._frozen = frozen
        self._children = children or ChildProcesses(log_dir / "engine-processes.json")
        self._lock = threading.RLock()
        self._process: SupervisedChild | None = None
        self._log_handle: IO[bytes] | None = None
        self._model_path: Path | None = None
        self._endpoint: EngineEndpoint | None = None
        self._crash_times: list[float] = []
        self._restarts = 0
        self._failed_tail: str | None = None
        self._state = EngineState.STOPPED

    def __repr__(self) -> str:
        base_url = self._endpoint.base_url if self._endpoint else None
        return f"BuiltinEngine(state={self._state.value!r}, base_url={base_url!r})"

    @property
    def log_path(self) -> Path:
        return self._log_dir / LOG_FILE_NAME

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process is not None else None

    def status(self) -> EngineStatus:
        with self._lock:
            state = self._state
            if (
                state is EngineState.RUNNING
                and self._process is not None
                and self._process.poll() is not None
            ):
                state = EngineState.CRASHED
            return EngineStatus(
                state=state,
                model_path=str(self._model_path) if self._model_path else None,
                base_url=self._endpoint.base_url if self._endpoint else None,
                pid=self._process.pid if self._process is not None else None,
                restarts=self._restarts,
            )

    def ensure_running(self, model_path: Path) -> EngineEndpoint:
        """Start (or restart after a crash) the engine for this model; return its ``/v1`` base URL and key."""
        with self._lock:
            if not model_path.is_file():
                raise EngineModelMissingError({"provider": _PROVIDER_LABEL, "model": model_path.name})
            if self._process is not None and self._process.poll() is None:
                if self._model_path == model_path and self._endpoint is not None:
                    return self._endpoint
                # Another model was asked for: one engine serves one model at a time.
                self._stop_locked()
            elif self._process is not None:
                self._note_crash()
            return self._start_with_retries(model_path)

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()
            self._state = EngineState.STOPPED

    def reset_failures(self) -> None:
        """Forget past crashes, e.g. when the user presses "try again"."""
        with self._lock:
            self._crash_times.clear()
            self._failed_tail = None
            if self._state is EngineState.FAILED:
                self._state = EngineState.STOPPED

    def close(self) -> None:
        self.stop()

    # --- internals ------------------------------------------------------------------------------

    def _note_crash(self) -> None:
        assert self._process is not None
        code = self._process.poll()
        _log.warning("built-in engine exited unexpectedly with code %s", code)
        self._write_log_line(f"[supervisor] engine exited unexpectedly with code {code}")
        self._process.stop(self._settings.stop_timeout_s)  # whatever it started, and the record
        self._release_process()
        self._crash_times.append(time.monotonic())

    def _recent_crashes(self) -> int:
        horizon = time.monotonic() - self._settings.crash_window_s
        self._crash_times = [t for t in self._crash_times if t >= horizon]
        return len(self._crash_times)

    def _backoff(self, crashes: int) -> float:
        if crashes <= 0:
            return 0.0
        delay = self._settings.backoff_initial_s * (2 ** (crashes - 1))
        return float(min(self._settings.backoff_max_s, delay))

    def _start_with_retries(self, model_path: Path) -> EngineEndpoint:
        self._check_installed()
        for _ in range(self._settings.start_attempts):
            crashes = self._recent_crashes()
            if crashes >= self._settings.max_crashes:
                break
            delay = self._backoff(crashes)
            if delay:
                time.sleep(delay)
            try:
                return self._start_once(model_path)
            except _StartFailedError as exc:
                _log.warning("built-in engine did not start: %s", exc)
                self._crash_times.append(time.monotonic())
        self._state = EngineState.FAILED
        self._failed_tail = self._log_tail()
        raise EngineFailedError({"provider": _PROVIDER_LABEL, "log_tail": self._failed_tail})

    def _check_installed(self) -> None:
        # Only meaningful when the launcher is this very interpreter; a frozen app bundles the module.
        if self._frozen or not isinstance(self._command, EngineServerCommand):
            return
        launcher = self._command.build(Path("m"), LOOPBACK, 0, self._settings)
        runs_this_python = launcher[0] == sys.executable and launcher[1:3] == ["-m", ENGINE_MODULE]
        # find_spec, not import: loading the native library into the app process is not needed.
        if runs_this_python and importlib.util.find_spec("llama_cpp") is None:
            raise EngineNotInstalledError({"provider": _PROVIDER_LABEL})

    def _start_once(self, model_path: Path) -> EngineEndpoint:
        self._state = EngineState.STARTING
        port = find_free_port()
        args = self._command.build(model_path, LOOPBACK, port, self._settings)
        self._open_log()
        assert self._log_handle is not None
        self._write_log_line(f"[supervisor] starting: {' '.join(args)}")
        key = secrets.token_urlsafe(32)
        env = clean_child_environment(os.environ, self._frozen)
        env[KEY_VARIABLE] = key
        try:
            child = self._children.spawn(
                "llm-engine",
                args,
                env=env,
                cwd=self._command.working_directory or self._log_dir,
                output=self._log_handle,
            )
        except OSError as exc:
            self._write_log_line(f"[supervisor] cannot run {args[0]}: {exc}")
            self._release_process()
            raise _StartFailedError(f"cannot run {args[0]}: {exc}") from None
        self._process = child
        endpoint = EngineEndpoint(base_url=f"http://{LOOPBACK}:{port}/v1", api_key=key)
        deadline = time.monotonic() + self._settings.start_timeout_s
        with httpx.Client(
            timeout=httpx.Timeout(2.0), trust_env=False, headers={"Authorization": f"Bearer {key}"}
        ) as probe:
            while time.monotonic() < deadline:
                if child.poll() is not None:
                    child.stop(self._settings.stop_timeout_s)
                    self._release_process()
                    raise _StartFailedError(f"exited with code {child.returncode} during start")
                try:
                    if probe.get(f"{endpoint.base_url}/models").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            else:
                self._stop_locked()
                raise _StartFailedError(f"not ready after {self._settings.start_timeout_s:.0f} s")
        self._model_path = model_path
        self._endpoint = endpoint
        self._state = EngineState.RUNNING
        if self._crash_times:
            self._restarts += 1
        self._write_log_line(f"[supervisor] ready at {endpoint.base_url} (pid {child.pid})")
        _log.info("built-in engine ready at %s with %s", endpoint.base_url, model_path.name)
        return endpoint

    def _stop_locked(self) -> None:
        if self._process is not None:
            pid = self._process.pid
            running = self._process.poll() is None
            self._process.stop(self._settings.stop_timeout_s)
            if running:
                self._write_log_line(f"[supervisor] stopped (pid {pid})")
            if self._process.poll() is None:
                _log.error("built-in engine (pid %s) did not exit after kill", pid)
        self._release_process()

    def _release_process(self) -> None:
        self._process = None
        self._endpoint = None
        self._model_path = None
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def _open_log(self) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        path = self.log_path
        if path.exists() and path.stat().st_size > _LOG_ROTATE_BYTES:
            path.replace(path.with_name(f"{LOG_FILE_NAME}.1"))
        if self._log_handle is None:
            self._log_handle = path.open("ab")

    def _write_log_line(self, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        line = f"{stamp} {text}\n".encode()
        if self._log_handle is not None:
            self._log_handle.write(line)
            self._log_handle.flush()
        else:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("ab") as handle:
                handle.write(line)

    def _log_tail(self) -> str:
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - 16 * 1024))
                data = handle.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(data.splitlines()[-_LOG_TAIL_LINES:])
