"""A supervisor with its own folders, and a recorder of every status it reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from server.comfyui.status import ComfyUIState, ComfyUIStatus
from server.comfyui.supervisor import (
    ComfyUISupervisor,
    LaunchConfig,
    RestartPolicy,
    SupervisorFolders,
    SupervisorTimings,
    free_loopback_port,
)
from server.settings.models import ComfyUIMode

FAST_RESTARTS = RestartPolicy(delays_s=(0.2, 0.4, 0.8), max_crashes=3, window_s=120.0)


@dataclass
class StatusRecorder:
    statuses: list[ComfyUIStatus] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, status: ComfyUIStatus) -> None:
        with self._changed:
            self.statuses.append(status)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[ComfyUIStatus], bool], timeout: float) -> ComfyUIStatus:
        """The first recorded status (old or new) that matches; fails with the history otherwise."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for status in self.statuses:
                    if predicate(status):
                        return status
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    states = [(s.state.value, s.reason.code if s.reason else None) for s in self.statuses]
                    raise AssertionError(f"no matching ComfyUI status within {timeout} s; saw {states}")
                self._changed.wait(remaining)

    def wait_for_state(self, state: ComfyUIState, timeout: float, after: int = 0) -> ComfyUIStatus:
        """The first status in ``state`` among those recorded from index ``after`` on."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for status in self.statuses[after:]:
                    if status.state is state:
                        return status
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    states = [(s.state.value, s.reason.code if s.reason else None) for s in self.statuses]
                    raise AssertionError(
                        f"ComfyUI did not reach {state.value} within {timeout} s; saw {states}"
                    )
                self._changed.wait(remaining)

    def count(self) -> int:
        with self._changed:
            return len(self.statuses)

    def states(self) -> list[ComfyUIState]:
        with self._changed:
            return [status.state for status in self.statuses]


@dataclass
class SupervisorRig:
    supervisor: ComfyUISupervisor
    recorder: StatusRecorder
    root: Path
    folders: SupervisorFolders

    def log_text(self) -> str:
        return "\n".join(line.text for line in self.supervisor.logs())


def build_rig(
    root: Path,
    config: LaunchConfig,
    *,
    ready_timeout_s: float = 60.0,
    policy: RestartPolicy = FAST_RESTARTS,
    choose_port: Callable[[], int] = free_loopback_port,
    redact: Callable[[str], str] = str,
) -> SupervisorRig:
    folders = SupervisorFolders(
        state_dir=root / "data" / "comfyui",
        models_dir=root / "data" / "models",
        log_file=root / "logs" / "comfyui.log",
    )
    supervisor = ComfyUISupervisor(
        lambda: config,
        folders,
        redact,
        policy=policy,
        timings=SupervisorTimings(ready_timeout_s=ready_timeout_s, stop_grace_s=5.0, probe_interval_s=0.1),
        choose_port=choose_port,
    )
    recorder = StatusRecorder()
    supervisor.subscribe(recorder)
    return SupervisorRig(supervisor, recorder, root, folders)


def managed_config(
    directory: Path, python: Path | None, device_flags: tuple[str, ...] = ("--cpu",)
) -> LaunchConfig:
    return LaunchConfig(
        mode=ComfyUIMode.MANAGED,
        directory=str(directory),
        python=str(python) if python else None,
        device_flags=device_flags,
        offline=True,
    )
