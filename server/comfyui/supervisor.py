"""Keeps ComfyUI available: a managed child process, an external URL, or nothing.

Managed: the child is started in a worker thread (the app's own start never waits for it), is
ready when ``GET /system_stats`` answers, is restarted with backoff when it ends on its own after a
good start, and is given up on (state ``failed``, explained in plain words) after repeated crashes
or a failed start. Stopping ends the whole process tree. External: the URL is probed; the state
follows whether it answers. Every state change goes to the subscribers.

Locks: ``_control`` serialises start/stop/restart (a stop joins the worker); ``_lock`` guards the
status and is never held while calling out (subscribers, HTTP, processes).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from server.child_processes import ChildProcesses, SupervisedChild
from server.comfyui.child_log import ChildLog, LogLine
from server.comfyui.devices import CPU_FLAGS, automatic_device_flags
from server.comfyui.failure_reasons import explain_failure
from server.comfyui.installation import ComfyUIInstallation, locate_installation
from server.comfyui.launch import StateFolders, comfyui_command, comfyui_environment
from server.comfyui.model_paths import ModelPathSection, write_model_paths
from server.comfyui.status import ComfyUIState, ComfyUIStatus, Reason
from server.errors import AppError, ErrorKind
from server.network.http_clients import HttpClients
from server.network.policy import NetworkPolicy, OfflineBlockedError
from server.settings.models import ComfyUIMode

log = logging.getLogger(__name__)

StatusListener = Callable[[ComfyUIStatus], None]


@dataclass(frozen=True)
class LaunchConfig:
    """What to run, read afresh at every start (settings, or the command line's one-launch choice)."""

    mode: ComfyUIMode
    directory: str | None = None
    python: str | None = None
    url: str | None = None
    # None: decide from the hardware (``--cpu`` when no GPU is found).
    device_flags: tuple[str, ...] | None = None
    offline: bool = True


@dataclass(frozen=True)
class RestartPolicy:
    delays_s: tuple[float, ...] = (1.0, 2.0, 4.0)
    # This many unplanned ends within the window, and we stop trying.
    max_crashes: int = 3
    window_s: float = 300.0


@dataclass(frozen=True)
class SupervisorTimings:
    # Custom nodes may install their dependencies on the first start: minutes, not seconds.
    ready_timeout_s: float = 600.0
    stop_grace_s: float = 10.0
    probe_interval_s: float = 0.25
    external_probe_interval_s: float = 5.0
    record_refresh_s: float = 2.0


@dataclass(frozen=True)
class SupervisorFolders:
    state_dir: Path  # output/input/temp/user, the database, the yaml
    models_dir: Path
    log_file: Path


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class _Run:
    """One managed run: one child process from launch to exit."""

    reached_ready: bool = False
    reason: Reason | None = None
    child: SupervisedChild | None = None


class ComfyUISupervisor:
    def __init__(
        self,
        config: Callable[[], LaunchConfig],
        folders: SupervisorFolders,
        redact: Callable[[str], str],
        *,
        policy: RestartPolicy | None = None,
        timings: SupervisorTimings | None = None,
        choose_port: Callable[[], int] = free_loopback_port,
        model_sections: Callable[[], Sequence[ModelPathSection]] = tuple,
        http: HttpClients | None = None,
        children: ChildProcesses | None = None,
    ) -> None:
        """``children``: the app's one way to start processes; its own (recorded in the state folder)
        when the supervisor runs alone, as in tests."""
        self._config = config
        # Read-only sections for model folders of other tools, read afresh at every start.
        self._model_sections = model_sections
        self._http = http or HttpClients(NetworkPolicy.unrestricted())
        self._folders = folders
        self._state = StateFolders(folders.state_dir)
        self._redact = redact
        self._policy = policy or RestartPolicy()
        self._timings = timings or SupervisorTimings()
        self._choose_port = choose_port
        self._children = children or ChildProcesses(folders.state_dir / "child-processes.json")
        self.log = ChildLog(folders.log_file, redact)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._control = threading.RLock()
        self._listeners: list[StatusListener] = []
        self._status = ComfyUIStatus(mode=config().mode, state=ComfyUIState.STOPPED)
        self._worker: threading.Thread | None = None
        self._stop_requested = threading.Event()

    # ------------------------------------------------------------------ public

    def status(self) -> ComfyUIStatus:
        with self._lock:
            return self._status

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """Calls ``listener`` with every new status (on the thread that changed it); returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def logs(self, after: int = 0) -> list[LogLine]:
        return self.log.lines_after(after)

    def start(self) -> ComfyUIStatus:
        """Starts (or keeps) ComfyUI in the background; returns at once."""
        with self._control:
            config = self._config()
            if config.mode is ComfyUIMode.NONE:
                raise AppError("comfyui_not_configured", ErrorKind.CONFLICT)
            if self._worker is not None and self._worker.is_alive():
                current = self.status()
                if current.mode is config.mode and current.state is not ComfyUIState.FAILED:
                    return current
                self._stop_worker()
            self._stop_requested = threading.Event()
            self._set(ComfyUIStatus(mode=config.mode, state=ComfyUIState.STARTING))
            target = self._run_managed if config.mode is ComfyUIMode.MANAGED else self._run_external
            self._worker = threading.Thread(
                target=target, args=(config, self._stop_requested), name="comfyui-supervisor", daemon=True
            )
            self._worker.start()
            return self.status()

    def stop(self) -> ComfyUIStatus:
        """Stops ComfyUI (the whole process tree) and waits until it is gone."""
        with self._control:
            self._stop_worker()
            self._set(ComfyUIStatus(mode=self._config().mode, state=ComfyUIState.STOPPED))
            return self.status()

    def restart(self) -> ComfyUIStatus:
        with self._control:
            self._stop_worker()
            return self.start()

    def ensure_started(self) -> ComfyUIStatus:
        """Starts ComfyUI on first use; leaves a failed one alone (a person has to fix something)."""
        with self._control:
            status = self.status()
            if status.state is ComfyUIState.STOPPED:
                return self.start()
            return status

    def wait_until_ready(self, timeout: float) -> ComfyUIStatus:
        """Waits while ComfyUI is starting or restarting; raises AppError when it will not get ready."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                status = self._status
                if status.state is ComfyUIState.READY:
                    return status
                if status.state is ComfyUIState.FAILED:
                    reason = status.reason or Reason(code="comfyui_exited")
                    raise AppError(reason.code, ErrorKind.UNAVAILABLE, **reason.params)
                if status.state is ComfyUIState.STOPPED:
                    raise AppError("comfyui_not_running", ErrorKind.UNAVAILABLE)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AppError("comfyui_still_starting", ErrorKind.UNAVAILABLE)
                self._changed.wait(remaining)

    def reap_orphans(self) -> list[int]:
        """Stops processes a crashed earlier run of the app left behind (once per app run)."""
        reaped = self._children.reap_orphans()
        if reaped:
            self.log.note(f"stopped {len(reaped)} process(es) left over from an earlier run")
        return reaped

    def shutdown(self) -> None:
        with self._control:
            self._stop_worker()
            self._set(ComfyUIStatus(mode=self.status().mode, state=ComfyUIState.STOPPED))
        self.log.close()

    # ------------------------------------------------------------------ status

    def _set(self, status: ComfyUIStatus) -> None:
        with self._changed:
            if status == self._status:
                return
            self._status = status
            listeners = list(self._listeners)
            self._changed.notify_all()
        log.info("ComfyUI %s%s", status.state.value, f" ({status.reason.code})" if status.reason else "")
        for listener in listeners:
            try:
                listener(status)
            except Exception:
                log.exception("a ComfyUI status listener failed")

    def _stop_worker(self) -> None:
        self._stop_requested.set()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(self._timings.stop_grace_s + 30.0)
            if worker.is_alive():
                log.error("the ComfyUI supervisor thread did not end")
        self._worker = None

    # ------------------------------------------------------------------ managed

    def _run_managed(self, config: LaunchConfig, stop: threading.Event) -> None:
        try:
            self.reap_orphans()
            self._supervise(config, stop)
        except Exception:
            log.exception("the ComfyUI supervisor failed")
            self._set(
                ComfyUIStatus(
                    mode=config.mode,
                    state=ComfyUIState.FAILED,
                    reason=Reason(code="comfyui_supervisor_error"),
                )
            )

    def _supervise(self, config: LaunchConfig, stop: threading.Event) -> None:
        try:
            installation = locate_installation(config.directory or "", config.python)
        except AppError as exc:
            self.log.note(f"cannot start ComfyUI: {exc.code} {exc.params}")
            self._fail(config, Reason(code=exc.code, params=self._params(exc.params)))
            return
        device_flags = config.device_flags
        automatic = device_flags is None
        flags = automatic_device_flags() if device_flags is None else device_flags
        crash_times: deque[float] = deque()
        crashes = 0
        ever_ready = False
        while not stop.is_set():
            run = self._run_once(installation, config, flags, stop, crashes)
            ever_ready = ever_ready or run.reached_ready
            if stop.is_set():
                return
            reason = run.reason or Reason(code="comfyui_exited")
            if not ever_ready:
                if reason.code == "comfyui_no_gpu" and automatic and tuple(flags) != CPU_FLAGS:
                    # A GPU was detected but PyTorch cannot use it: CPU is slow but works.
                    self.log.note("the GPU cannot be used; starting again on the CPU (--cpu)")
                    flags = CPU_FLAGS
                    continue
                self._fail(config, reason)
                return
            now = time.monotonic()
            crash_times.append(now)
            while crash_times and now - crash_times[0] > self._policy.window_s:
                crash_times.popleft()
            crashes += 1
            if len(crash_times) >= self._policy.max_crashes:
                self.log.note(f"ComfyUI ended {len(crash_times)} times in a short while; not restarting")
                self._fail(config, reason, crashes=crashes)
                return
            delay = self._policy.delays_s[min(len(crash_times), len(self._policy.delays_s)) - 1]
            self.log.note(f"ComfyUI ended unexpectedly ({reason.code}); restarting in {delay:g} s")
            self._set(
                ComfyUIStatus(
                    mode=config.mode,
                    state=ComfyUIState.CRASHED,
                    reason=reason,
                    crashes=crashes,
                    restart_in_s=delay,
                )
            )
            if stop.wait(delay):
                return

    def _extra_model_sections(self) -> Sequence[ModelPathSection]:
        try:
            return self._model_sections()
        except Exception:
            # A folder that cannot be read must not keep ComfyUI from starting with the app's own models.
            log.exception("the extra model folders could not be read; starting with the app's own only")
            return ()

    def _fail(self, config: LaunchConfig, reason: Reason, crashes: int = 0) -> None:
        self._set(ComfyUIStatus(mode=config.mode, state=ComfyUIState.FAILED, reason=reason, crashes=crashes))

    def _run_once(
        self,
        installation: ComfyUIInstallation,
        config: LaunchConfig,
        device_flags: Sequence[str],
        stop: threading.Event,
        crashes: int,
    ) -> _Run:
        run = _Run()
        self._state.create()
        model_paths = write_model_paths(
            self._folders.state_dir, self._folders.models_dir, self._extra_model_sections()
        )
        port = self._choose_port()
        try:
            command = comfyui_command(
                installation, port, self._state, model_paths, device_flags, offline=config.offline
            )
        except AppError as exc:
            run.reason = Reason(code=exc.code, params=self._params(exc.params))
            return run
        self.log.note("starting ComfyUI: " + " ".join(command))
        mark = self.log.last_seq
        try:
            child = self._children.spawn(
                "comfyui",
                command,
                env=comfyui_environment(os.environ, offline=config.offline),
                cwd=installation.directory,
                output=subprocess.PIPE,
            )
        except OSError as exc:
            self.log.note(f"cannot run {installation.python}: {exc}")
            run.reason = Reason(
                code="comfyui_python_not_startable",
                params={"python": self._redact(str(installation.python)), "detail": exc.strerror or str(exc)},
            )
            return run
        run.child = child
        process = child.process
        assert process.stdout is not None
        pump = self.log.follow(process.stdout, f"comfyui-log-{process.pid}")
        child.remember_descendants()
        self._set(
            ComfyUIStatus(mode=config.mode, state=ComfyUIState.STARTING, pid=process.pid, crashes=crashes)
        )
        url = f"http://127.0.0.1:{port}"
        try:
            version = self._wait_until_ready(url, run, stop)
            if version is not None:
                run.reached_ready = True
                self.log.note(f"ComfyUI is ready at {url}")
                # A later crash is explained by what came after the start, not by start-up noise.
                mark = self.log.last_seq
                self._set(
                    ComfyUIStatus(
                        mode=config.mode,
                        state=ComfyUIState.READY,
                        url=url,
                        pid=process.pid,
                        version=version or None,
                        crashes=crashes,
                    )
                )
                self._watch(run, stop)
            if run.reason is None and not stop.is_set():
                pump.join(2.0)  # the last lines usually say why it ended
                run.reason = explain_failure(self.log.raw_since(mark), process.returncode, self._redact)
                self.log.note(f"ComfyUI ended with exit code {process.returncode}")
        finally:
            self._end(run)
            pump.join(2.0)
        return run

    def _wait_until_ready(self, url: str, run: _Run, stop: threading.Event) -> str | None:
        """The ComfyUI version once /system_stats answers ("" if it does not say); None if it never does."""
        assert run.child is not None
        deadline = time.monotonic() + self._timings.ready_timeout_s
        next_refresh = time.monotonic() + self._timings.record_refresh_s
        with self._http.client(url, timeout=2.0) as http:
            while not stop.is_set():
                if run.child.poll() is not None:
                    return None
                if time.monotonic() >= next_refresh:
                    # Custom nodes may start helpers while ComfyUI starts up.
                    run.child.remember_descendants()
                    next_refresh = time.monotonic() + self._timings.record_refresh_s
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    response = http.get(f"{url}/system_stats")
                    if response.status_code == 200:
                        system = response.json().get("system", {})
                        return str(system.get("comfyui_version") or "")
                if time.monotonic() > deadline:
                    seconds = f"{self._timings.ready_timeout_s:.0f}"
                    self.log.note(f"ComfyUI did not answer within {seconds} s; stopping it")
                    run.reason = Reason(code="comfyui_start_timeout", params={"seconds": seconds})
                    return None
                stop.wait(self._timings.probe_interval_s)
        return None

    def _watch(self, run: _Run, stop: threading.Event) -> None:
        """Waits until the child ends or a stop is asked for; keeps the process record current."""
        assert run.child is not None
        next_refresh = time.monotonic() + self._timings.record_refresh_s
        while run.child.poll() is None and not stop.wait(0.2):
            if time.monotonic() >= next_refresh:
                run.child.remember_descendants()
                next_refresh = time.monotonic() + self._timings.record_refresh_s

    def _end(self, run: _Run) -> None:
        """Stops what is left of this run's process tree and takes it off the record."""
        child = run.child
        if child is None:
            return
        if child.poll() is None:
            self.log.note(f"stopping ComfyUI (pid {child.pid}) and its child processes")
        child.stop(self._timings.stop_grace_s)

    # ------------------------------------------------------------------ external

    def _run_external(self, config: LaunchConfig, stop: threading.Event) -> None:
        url = (config.url or "").rstrip("/")
        if not url.startswith(("http://", "https://")):
            self._fail(config, Reason(code="comfyui_url_invalid", params={"url": url}))
            return
        self.log.note(f"using the ComfyUI at {url}")
        with self._http.client(url, timeout=5.0) as http:
            while not stop.is_set():
                try:
                    response = http.get(f"{url}/system_stats")
                    response.raise_for_status()
                    version = str(response.json().get("system", {}).get("comfyui_version") or "") or None
                    self._set(
                        ComfyUIStatus(mode=config.mode, state=ComfyUIState.READY, url=url, version=version)
                    )
                    interval = self._timings.external_probe_interval_s
                except OfflineBlockedError:
                    if self.status().state is not ComfyUIState.FAILED:
                        self.log.note(f"offline mode: the ComfyUI at {url} is on another computer")
                    self._fail(config, Reason(code="comfyui_external_offline", params={"url": url}))
                    interval = min(1.0, self._timings.external_probe_interval_s)
                except (httpx.HTTPError, ValueError) as exc:
                    if self.status().state is not ComfyUIState.FAILED:
                        self.log.note(f"the ComfyUI at {url} does not answer: {exc}")
                    self._fail(config, Reason(code="comfyui_external_unreachable", params={"url": url}))
                    interval = min(1.0, self._timings.external_probe_interval_s)
                stop.wait(interval)

    # ------------------------------------------------------------------ helpers

    def _params(self, params: dict[str, object]) -> dict[str, str]:
        return {key: self._redact(str(value)) for key, value in params.items()}
