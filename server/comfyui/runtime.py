"""The ComfyUI service the rest of the app uses: the supervisor plus a connected client when ready.

When the mode is managed, ComfyUI is started in the background as soon as the app starts (it takes
seconds to minutes, and a student should not wait for it after pressing Start); a generation that
comes first waits for it. ComfyUI is started through the app's one way to start child processes
(``server/child_processes/``), which also removes what an earlier, crashed run left behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from server.child_processes import ChildProcesses
from server.comfyui.child_log import LogLine
from server.comfyui.client import ClientTimeouts, ComfyUIClient
from server.comfyui.model_paths import ModelPathSection
from server.comfyui.pool import LOCAL_ID, ComfyUIPool, Lease, MachineSpec, MachineState, PoolTimings
from server.comfyui.redaction import PathRedactor
from server.comfyui.status import ComfyUIState, ComfyUIStatus
from server.comfyui.supervisor import (
    ComfyUISupervisor,
    LaunchConfig,
    RestartPolicy,
    StatusListener,
    SupervisorFolders,
    SupervisorTimings,
)
from server.errors import AppError, ErrorKind
from server.network.http_clients import HttpClients
from server.settings.models import ComfyUIMode, ComfyUISettings
from server.settings.paths import AppPaths
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

CLIENT_CONNECT_TIMEOUT_S = 10.0


class ComfyUIRuntime:
    def __init__(
        self,
        settings: SettingsStore,
        paths: AppPaths,
        override: ComfyUISettings | None = None,
        *,
        policy: RestartPolicy | None = None,
        timings: SupervisorTimings | None = None,
        client_timeouts: ClientTimeouts | None = None,
        model_sections: Callable[[], Sequence[ModelPathSection]] = tuple,
        http: HttpClients | None = None,
        children: ChildProcesses | None = None,
        machines: Callable[[], Sequence[MachineSpec]] = tuple,
        pool_timings: PoolTimings | None = None,
    ) -> None:
        """``machines``: the pool's other ComfyUI machines (settings, command line), read on every check."""
        self._settings = settings
        self._http = http
        self._override = override
        self._client_timeouts = client_timeouts
        self.redact = PathRedactor({paths.data_dir: "<data>"}, home=Path.home())
        self.supervisor = ComfyUISupervisor(
            self.launch_config,
            SupervisorFolders(
                state_dir=paths.comfyui_state_dir,
                models_dir=paths.models_dir,
                log_file=paths.logs_dir / "comfyui.log",
            ),
            self.redact,
            policy=policy,
            timings=timings,
            model_sections=model_sections,
            http=http,
            children=children,
        )
        self._lock = threading.Lock()
        self._client: ComfyUIClient | None = None
        self.pool = ComfyUIPool(
            machines,
            local=self._local_state,
            local_client=self.client,
            local_probe_client=self._client_if_ready,
            local_drop=self._drop_client,
            http=http,
            timings=pool_timings,
            client_timeouts=client_timeouts,
            redact=self.redact,
        )
        self.supervisor.subscribe(self._on_status)

    def launch_config(self) -> LaunchConfig:
        """The settings' choice, unless the command line chose a ComfyUI for this launch."""
        current = self._settings.current
        chosen = self._override or current.comfyui
        return LaunchConfig(
            mode=chosen.mode,
            directory=chosen.directory,
            python=chosen.python,
            url=chosen.url,
            device_flags=None if chosen.device_flags is None else tuple(chosen.device_flags),
            offline=current.offline,
        )

    @property
    def chosen_on_command_line(self) -> bool:
        """This launch uses a ComfyUI named on the command line instead of the settings' choice."""
        return self._override is not None

    def begin(self) -> None:
        """Called once when the app starts; never blocks."""
        if self.launch_config().mode is not ComfyUIMode.NONE:
            self.supervisor.start()
        self.pool.start()

    def lease(self, workflow: Mapping[str, object], exclude: frozenset[str], timeout: float) -> Lease:
        """A machine of the pool for one generation (release the lease when it is done)."""
        return self.pool.lease(workflow, exclude, timeout)

    def _local_state(self) -> tuple[MachineState, str | None, str | None, str]:
        status = self.supervisor.status()
        config = self.launch_config()
        # A managed ComfyUI is "local"; an external one is named by its address.
        name = config.url or LOCAL_ID if config.mode is ComfyUIMode.EXTERNAL else LOCAL_ID
        if config.mode is ComfyUIMode.NONE:
            return MachineState.DISABLED, None, None, name
        reason = status.reason.code if status.reason is not None else None
        state = {
            ComfyUIState.READY: MachineState.READY,
            ComfyUIState.STARTING: MachineState.STARTING,
            ComfyUIState.STOPPED: MachineState.STARTING,
            ComfyUIState.CRASHED: MachineState.UNREACHABLE,
            ComfyUIState.FAILED: MachineState.FAILED,
        }[status.state]
        return state, status.url, reason, name

    # What the API offers.

    def status(self) -> ComfyUIStatus:
        return self.supervisor.status()

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        return self.supervisor.subscribe(listener)

    def logs(self, after: int = 0) -> list[LogLine]:
        return self.supervisor.logs(after)

    def start(self) -> ComfyUIStatus:
        return self.supervisor.start()

    def stop(self) -> ComfyUIStatus:
        return self.supervisor.stop()

    def restart(self) -> ComfyUIStatus:
        return self.supervisor.restart()

    # What a generation job uses.

    def client(self, timeout: float) -> ComfyUIClient:
        """A connected client, starting ComfyUI first if needed; raises AppError if it will not be ready."""
        self.supervisor.ensure_started()
        return self._connected(self.supervisor.wait_until_ready(timeout))

    def _client_if_ready(self, _timeout: float) -> ComfyUIClient:
        """For the pool's checks: never starts a ComfyUI a person may just have stopped."""
        status = self.supervisor.status()
        if status.state is not ComfyUIState.READY:
            raise AppError("comfyui_unreachable", ErrorKind.UNAVAILABLE, url=status.url or "")
        return self._connected(status)

    def _connected(self, status: ComfyUIStatus) -> ComfyUIClient:
        assert status.url is not None
        with self._lock:
            current = self._client
            if current is not None and current.base_url == status.url:
                return current
            self._client = None
        if current is not None:
            current.close()  # ComfyUI was restarted on another port
        client = ComfyUIClient(
            status.url, redact=self.redact, timeouts=self._client_timeouts, http=self._http
        )
        client.connect(CLIENT_CONNECT_TIMEOUT_S)
        winner = self._adopt(client)
        if winner is not client:
            client.close()  # another thread connected first
        return winner

    def _adopt(self, client: ComfyUIClient) -> ComfyUIClient:
        with self._lock:
            if self._client is None:
                self._client = client
            return self._client

    def shutdown(self) -> None:
        self.pool.shutdown()
        self._drop_client()
        self.supervisor.shutdown()

    def _on_status(self, status: ComfyUIStatus) -> None:
        try:
            self._follow_status(status)
        finally:
            # The pool would otherwise see the local ComfyUI ready (or gone) only at its next round of
            # checks, seconds later: a generation asked for right after the start would wait for it.
            self.pool.check_soon()

    def _follow_status(self, status: ComfyUIStatus) -> None:
        # A managed ComfyUI that is no longer ready is gone with its prompts (a restart gets a new
        # port). An external one may only be out of reach for a moment: its client reconnects.
        with self._lock:
            client = self._client
        if client is None:
            return
        external_blip = status.mode is ComfyUIMode.EXTERNAL and status.state is ComfyUIState.FAILED
        if status.state is ComfyUIState.READY and status.url == client.base_url:
            return
        if external_blip:
            return
        self._drop_client()

    def _drop_client(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
