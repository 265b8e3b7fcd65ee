"""Several ComfyUI machines used as one: what each can do, and which one runs the next generation.

The pool's first machine is the app's own choice (a managed ComfyUI, or one external address, through
``ComfyUIRuntime``); the settings add more addresses (school GPU servers). A prober thread keeps each
machine's state, its model files (``/object_info``), its own queue (``/queue``) and device
(``/system_stats``) current. ``lease`` hands a generation the ready machine that has its models and
will start it soonest; the generation lane gets one slot per ready machine (``slots``).

Each machine has one client and so one websocket. A machine that stops answering is marked
unreachable and its client closed, which ends its prompts with ``comfyui_connection_lost``: the
generation then asks for another machine once (failover). A machine that answers again is used again.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from server.comfyui.client import ClientTimeouts, ComfyUIClient
from server.errors import AppError, ErrorKind
from server.network.http_clients import HttpClients

log = logging.getLogger(__name__)

LOCAL_ID = "local"
# Prompts that end with these codes ended because their machine went away, not because of the job.
LOST_CODES = frozenset({"comfyui_connection_lost", "comfyui_prompt_lost", "comfyui_unreachable"})
# A machine's speed starts unknown; finished jobs teach it (exponential average).
SPEED_WEIGHT = 0.3


class MachineState(StrEnum):
    READY = "ready"  # answers, takes our jobs
    BUSY = "busy"  # answers, every slot of ours is taken or its own queue is long
    UNREACHABLE = "unreachable"  # does not answer (off, network, proxy)
    FAILED = "failed"  # answers, but not like a ComfyUI (wrong address, proxy refuses)
    STARTING = "starting"  # the managed ComfyUI is starting, or a machine's first check is under way
    DISABLED = "disabled"  # switched off in the settings


class MachineStatus(BaseModel):
    """One machine as the settings page, the Models page and the diagnostics file see it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    url: str | None
    state: MachineState
    reason: str | None = None
    # Our generations running there, and the machine's own queue (other users' prompts included).
    in_flight: int = 0
    queue_remaining: int = 0
    device: str | None = None
    vram_total: int | None = None
    vram_free: int | None = None
    model_files: list[str] = []
    seconds_per_job: float | None = None
    has_header: bool = False


@dataclass(frozen=True)
class MachineSpec:
    """What the settings say about one more machine (the header value comes from secrets)."""

    url: str
    name: str | None = None
    enabled: bool = True
    header: tuple[str, str] | None = None

    @property
    def id(self) -> str:
        return "m-" + hashlib.sha256(self.url.encode()).hexdigest()[:8]


def header_secret_name(machine_id: str) -> str:
    """Where a machine's HTTP header value lives in secrets.json (never in settings.json)."""
    return f"comfyui-header.{machine_id}"


def header_for_secrets(value: str) -> str:
    # secrets.json holds one token without spaces per name; a header value ("Basic …") has spaces.
    return base64.urlsafe_b64encode(value.encode()).decode()


def header_from_secrets(stored: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(stored.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def url_host(url: str) -> str:
    try:
        return httpx.URL(url).host
    except (httpx.InvalidURL, TypeError, ValueError):
        return ""


# The managed/single ComfyUI: (its state, its URL when ready, why it is not ready, its name).
LocalSource = Callable[[], tuple[MachineState, str | None, str | None, str]]
LocalClient = Callable[[float], ComfyUIClient]


@dataclass
class _Machine:
    id: str
    name: str
    url: str | None
    enabled: bool = True
    header: tuple[str, str] | None = None
    state: MachineState = MachineState.UNREACHABLE
    reason: str | None = None
    client: ComfyUIClient | None = None
    in_flight: int = 0
    queue_remaining: int = 0
    # Prompts in its queue that are not ours (other apps, other teachers), as of the last check.
    foreign_queue: int = 0
    device: str | None = None
    vram_total: int | None = None
    vram_free: int | None = None
    # (node class, input name) -> the model files that loader offers; None until first read.
    offers: dict[tuple[str, str], frozenset[str]] | None = None
    classes: frozenset[str] = frozenset()
    seconds_per_job: float | None = None
    probed_models_at: float = 0.0
    failures: int = 0

    def can_run(self, workflow: Mapping[str, Any]) -> bool:
        if self.offers is None:
            return True  # not read yet (a managed ComfyUI that is starting): today's behaviour
        for node in workflow.values():
            if not isinstance(node, Mapping):
                continue
            class_type = node.get("class_type")
            if not isinstance(class_type, str) or class_type not in self.classes:
                return False
            inputs = node.get("inputs")
            if not isinstance(inputs, Mapping):
                continue
            for name, value in inputs.items():
                files = self.offers.get((class_type, name))
                if files is not None and isinstance(value, str) and value not in files:
                    return False
        return True

    def status(self) -> MachineStatus:
        files = sorted({file for files in (self.offers or {}).values() for file in files})
        return MachineStatus(
            id=self.id,
            name=self.name,
            url=self.url,
            state=self.state if self.enabled else MachineState.DISABLED,
            reason=self.reason,
            in_flight=self.in_flight,
            queue_remaining=self.queue_remaining,
            device=self.device,
            vram_total=self.vram_total,
            vram_free=self.vram_free,
            model_files=files,
            seconds_per_job=self.seconds_per_job,
            has_header=self.header is not None,
        )


@dataclass
class Lease:
    """One generation's machine, until ``release``; ``lost`` says the machine went away meanwhile."""

    machine_id: str
    machine_name: str
    client: ComfyUIClient
    _pool: ComfyUIPool
    _started: float = field(default_factory=time.monotonic)
    _released: bool = False

    def lost(self) -> bool:
        return self._pool.is_lost(self.machine_id, self.client)

    def release(self, succeeded: bool = False) -> None:
        if self._released:
            return
        self._released = True
        self._pool.release(self, succeeded, time.monotonic() - self._started)


@dataclass(frozen=True)
class PoolReach:
    able: int  # ready machines whose loaders offer every model file of the workflow
    total: int  # enabled machines
    ready: int
    pending: int
    others: int  # enabled machines besides this computer's own ComfyUI choice: 0 is "no pool"


@dataclass(frozen=True)
class PoolTimings:
    probe_interval_s: float = 2.0
    # Model lists change rarely (a download, an import); they are read again this often.
    models_interval_s: float = 30.0
    connect_timeout_s: float = 5.0


class ComfyUIPool:
    def __init__(
        self,
        machines: Callable[[], Sequence[MachineSpec]],
        *,
        local: LocalSource | None = None,
        local_client: LocalClient | None = None,
        local_probe_client: LocalClient | None = None,
        local_drop: Callable[[], None] | None = None,
        http: HttpClients | None = None,
        timings: PoolTimings | None = None,
        client_timeouts: ClientTimeouts | None = None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self._specs = machines
        self._local = local
        self._local_client = local_client
        self._local_drop = local_drop
        # The checks use a client only when the local ComfyUI is ready (they never start it).
        self._local_probe_client = local_probe_client or local_client
        self._http = http
        self._timings = timings or PoolTimings()
        self._client_timeouts = client_timeouts
        self._redact = redact
        self._changed = threading.Condition()
        self._machines: dict[str, _Machine] = {}
        self._listeners: list[Callable[[], None]] = []
        self._closed = threading.Event()
        self._check_soon = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        self.refresh()
        if self._thread is None:
            self._thread = threading.Thread(target=self._probe_loop, name="comfyui-pool", daemon=True)
            self._thread.start()

    def check_soon(self) -> None:
        """Runs the next round of checks now instead of after ``probe_interval_s``: for news the pool
        would otherwise learn late (the local ComfyUI became ready or went away)."""
        self._check_soon.set()

    def shutdown(self) -> None:
        self._closed.set()
        self._check_soon.set()
        if self._thread is not None:
            self._thread.join(10.0)
        with self._changed:
            clients = [m.client for m in self._machines.values() if m.client is not None and m.id != LOCAL_ID]
            self._machines.clear()
            self._changed.notify_all()
        for client in clients:
            client.close()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Called (outside the pool's lock) whenever the number of ready machines may have changed."""
        self._listeners.append(listener)

    # ------------------------------------------------------------------ what the UI sees

    def statuses(self) -> list[MachineStatus]:
        with self._changed:
            return [machine.status() for machine in self._machines.values()]

    def slots(self) -> int:
        """How many generations may run at once: one per ready machine (at least one, which waits)."""
        with self._changed:
            ready = sum(1 for m in self._machines.values() if m.enabled and _usable(m.state))
        return max(1, ready)

    def places(self, workflow: Mapping[str, Any]) -> tuple[int, int] | None:
        """``where`` when the pool has more than one machine in use (else there is nothing to say)."""
        able, total = self.where(workflow)
        return (able, total) if total > 1 else None

    def where(self, workflow: Mapping[str, Any]) -> tuple[int, int]:
        """On how many of the enabled machines this workflow can run (ready ones), of how many."""
        with self._changed:
            enabled = [m for m in self._machines.values() if m.enabled]
            able = sum(
                1 for m in enabled if _usable(m.state) and m.offers is not None and m.can_run(workflow)
            )
            return able, len(enabled)

    def reach(self, workflow: Mapping[str, Any]) -> PoolReach:
        """``where``, plus how many machines are ready at all and how many are still being read."""
        with self._changed:
            enabled = [m for m in self._machines.values() if m.enabled]
            usable = [m for m in enabled if _usable(m.state)]
            able = sum(1 for m in usable if m.offers is not None and m.can_run(workflow))
            # Starting, or answering but its model lists not read yet: a generation would wait for it.
            pending = sum(
                1
                for m in enabled
                if m.state is MachineState.STARTING or (_usable(m.state) and m.offers is None)
            )
            others = sum(1 for m in enabled if m.id != LOCAL_ID)
            return PoolReach(able=able, total=len(enabled), ready=len(usable), pending=pending, others=others)

    # ------------------------------------------------------------------ dispatch

    def lease(self, workflow: Mapping[str, Any], exclude: frozenset[str], timeout: float) -> Lease:
        """The ready machine with this workflow's models that starts it soonest; AppError if none can."""
        if not self._machines:
            self.refresh()  # before the first check (a runtime that was never begun)
        with self._changed:
            candidates = [
                m
                for m in self._machines.values()
                if m.enabled
                and m.id not in exclude
                and m.client is not None
                and _usable(m.state)
                and m.can_run(workflow)
            ]
            if candidates:
                chosen = min(candidates, key=_start_order)
                chosen.in_flight += 1
                self._update_busy(chosen)
                assert chosen.client is not None
                return Lease(chosen.id, chosen.name, chosen.client, self)
            local = self._machines.get(LOCAL_ID)
            only_local = all(m.id == LOCAL_ID for m in self._machines.values())
            # With no other machine the app behaves as it always did: it waits for (or starts) its
            # ComfyUI and says why it cannot. With others, only a starting or restarting one is waited for.
            local_waits = (
                local is not None
                and LOCAL_ID not in exclude
                and local.can_run(workflow)
                and (only_local or (local.enabled and local.state in _WORTH_WAITING))
            )
        if local_waits and self._local_client is not None:
            # The managed ComfyUI is starting: wait for it as the single-machine app always did.
            client = self._local_client(timeout)
            self._probe_local(client)
            with self._changed:
                machine = self._machines.get(LOCAL_ID)
                if machine is not None and machine.can_run(workflow):
                    machine.in_flight += 1
                    return Lease(LOCAL_ID, machine.name, client, self)
        raise AppError("comfyui_pool_no_machine", ErrorKind.UNAVAILABLE)

    def release(self, lease: Lease, succeeded: bool, seconds: float) -> None:
        with self._changed:
            machine = self._machines.get(lease.machine_id)
            if machine is not None:
                machine.in_flight = max(0, machine.in_flight - 1)
                if succeeded:
                    before = machine.seconds_per_job
                    machine.seconds_per_job = (
                        seconds if before is None else before + SPEED_WEIGHT * (seconds - before)
                    )
                self._update_busy(machine)
            self._changed.notify_all()

    def is_lost(self, machine_id: str, client: ComfyUIClient) -> bool:
        with self._changed:
            machine = self._machines.get(machine_id)
            return machine is None or machine.client is not client or not _usable(machine.state)

    def _update_busy(self, machine: _Machine) -> None:
        if machine.state in (MachineState.READY, MachineState.BUSY):
            machine.state = MachineState.BUSY if machine.in_flight > 0 else MachineState.READY

    # ------------------------------------------------------------------ keeping it current

    def refresh(self) -> None:
        """Reads the settings' list again: new machines are added, removed ones closed."""
        specs = {spec.id: spec for spec in self._specs()}
        closing: list[ComfyUIClient] = []
        with self._changed:
            if self._local is not None and LOCAL_ID not in self._machines:
                self._machines[LOCAL_ID] = _Machine(LOCAL_ID, "local", None, state=MachineState.STARTING)
            for machine_id in [m for m in self._machines if m != LOCAL_ID and m not in specs]:
                gone = self._machines.pop(machine_id)
                if gone.client is not None:
                    closing.append(gone.client)
            for spec in specs.values():
                machine = self._machines.get(spec.id)
                if machine is None:
                    # "starting" until its first check answers or not
                    machine = _Machine(spec.id, spec.name or spec.url, spec.url, state=MachineState.STARTING)
                    self._machines[spec.id] = machine
                machine.name = spec.name or spec.url
                machine.enabled = spec.enabled
                if machine.header != spec.header and machine.client is not None:
                    closing.append(machine.client)
                    machine.client = None
                machine.header = spec.header
        for client in closing:
            client.close()

    def probe_now(self) -> None:
        """One round of checks (the prober thread runs them every ``probe_interval_s``)."""
        self.refresh()
        with self._changed:
            machines = list(self._machines.values())
        for machine in machines:
            if self._closed.is_set():
                return
            if machine.id == LOCAL_ID:
                self._probe_local_state()
            elif machine.enabled:
                self._probe_external(machine)
        self._notify()

    def _probe_loop(self) -> None:
        while not self._closed.is_set():
            try:
                self.probe_now()
            except Exception:
                log.exception("checking the ComfyUI machines failed")
            self._check_soon.wait(self._timings.probe_interval_s)
            # A request that comes during the round below is still served: the round reads the news.
            self._check_soon.clear()

    def _probe_local_state(self) -> None:
        assert self._local is not None
        state, url, reason, name = self._local()
        with self._changed:
            if LOCAL_ID in self._machines:
                self._machines[LOCAL_ID].name = name
        if state is MachineState.READY and self._local_probe_client is not None:
            try:
                client = self._local_probe_client(self._timings.connect_timeout_s)
            except AppError as error:
                self._set(LOCAL_ID, MachineState.UNREACHABLE, error.code)
                return
            self._probe_local(client, url)
            return
        with self._changed:
            machine = self._machines.get(LOCAL_ID)
            if machine is not None:
                machine.enabled = state is not MachineState.DISABLED
                machine.state = state
                machine.reason = reason
                machine.url = url
                machine.client = None

    def _probe_local(self, client: ComfyUIClient, url: str | None = None) -> None:
        with self._changed:
            machine = self._machines.get(LOCAL_ID)
        if machine is None:
            return
        if not self._read_machine(machine, client):
            return
        with self._changed:
            machine.enabled = True
            machine.url = url or client.base_url
        self._mark_ready(machine, client)

    def _probe_external(self, machine: _Machine) -> None:
        with self._changed:
            client = machine.client
        if client is None:
            assert machine.url is not None
            client = ComfyUIClient(
                machine.url,
                redact=self._redact,
                timeouts=self._client_timeouts,
                http=self._http,
                headers=dict([machine.header]) if machine.header else None,
            )
        if not self._read_machine(machine, client):
            if client is not machine.client:
                client.close()
            return
        if not client.connected:
            try:
                client.connect(self._timings.connect_timeout_s)
            except AppError:
                self._lose(machine, "comfyui_unreachable")
                client.close()
                return
        self._mark_ready(machine, client)

    def _read_machine(self, machine: _Machine, client: ComfyUIClient) -> bool:
        """Reads state, queue, device and (now and then) model files; False if it does not answer."""
        try:
            stats = client.system_stats()
            queue = client.queue()
            now = time.monotonic()
            offers = None
            if machine.offers is None or now - machine.probed_models_at >= self._timings.models_interval_s:
                offers = _offers(client.object_info())
        except AppError as error:
            self._lose(machine, error.code)
            return False
        except ValueError:  # not JSON: something else answers at that address
            self._lose(machine, "comfyui_pool_not_comfyui", state=MachineState.FAILED)
            return False
        devices = stats.get("devices") if isinstance(stats.get("devices"), list) else []
        first = devices[0] if devices and isinstance(devices[0], dict) else {}
        with self._changed:
            if offers is not None:
                machine.offers, machine.classes = offers
                machine.probed_models_at = now
            machine.queue_remaining = len(queue.running) + len(queue.pending)
            machine.foreign_queue = max(0, machine.queue_remaining - machine.in_flight)
            machine.device = str(first.get("name")) if first.get("name") is not None else None
            machine.vram_total = _int_or_none(first.get("vram_total"))
            machine.vram_free = _int_or_none(first.get("vram_free"))
            machine.reason = None
            machine.failures = 0
        return True

    def _mark_ready(self, machine: _Machine, client: ComfyUIClient) -> None:
        # Ready only together with its connected client: a lease never finds one without the other.
        with self._changed:
            machine.client = client
            if not _usable(machine.state):
                log.info("ComfyUI machine %s is ready", machine.name)
            machine.state = MachineState.BUSY if machine.in_flight > 0 else MachineState.READY
            self._changed.notify_all()

    def _lose(self, machine: _Machine, reason: str, state: MachineState = MachineState.UNREACHABLE) -> None:
        with self._changed:
            was_usable = _usable(machine.state)
            machine.state = state
            machine.reason = reason
            machine.failures += 1
            # Closing the client ends its prompts (comfyui_connection_lost): their jobs fail over.
            client = machine.client if machine.id != LOCAL_ID else None
            machine.client = None
            # Alone, the app's own external ComfyUI may be out of reach for a moment and its client
            # reconnects (today's behaviour); in a pool its jobs go elsewhere instead of waiting.
            drop_local = (
                machine.id == LOCAL_ID
                and was_usable
                and any(other.id != LOCAL_ID and other.enabled for other in self._machines.values())
            )
            self._changed.notify_all()
        if was_usable:
            log.warning("ComfyUI machine %s is %s (%s)", machine.name, state.value, reason)
        if client is not None:
            client.close()
        if drop_local and self._local_drop is not None:
            self._local_drop()
        self._notify()

    def _set(self, machine_id: str, state: MachineState, reason: str | None) -> None:
        with self._changed:
            machine = self._machines.get(machine_id)
            if machine is not None:
                machine.state = state
                machine.reason = reason

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("a ComfyUI pool listener failed")


_WORTH_WAITING = frozenset({MachineState.STARTING, MachineState.UNREACHABLE})


def _usable(state: MachineState) -> bool:
    return state in (MachineState.READY, MachineState.BUSY)


def _start_order(machine: _Machine) -> tuple[int, float]:
    # Soonest start first: our jobs there plus its own queue; ties go to the faster device.
    # Our prompts there are counted now; its queue's other prompts as of the last check.
    waiting = machine.in_flight + machine.foreign_queue
    speed = machine.seconds_per_job if machine.seconds_per_job is not None else float("inf")
    return waiting, speed


def _offers(object_info: Mapping[str, Any]) -> tuple[dict[tuple[str, str], frozenset[str]], frozenset[str]]:
    """Loader inputs that choose a model file (``*_name`` with a list of choices) and their files."""
    offers: dict[tuple[str, str], frozenset[str]] = {}
    for class_type, info in object_info.items():
        inputs = info.get("input") if isinstance(info, Mapping) else None
        if not isinstance(inputs, Mapping):
            continue
        for group in ("required", "optional"):
            section = inputs.get(group)
            if not isinstance(section, Mapping):
                continue
            for name, spec in section.items():
                if not name.endswith("_name") or not isinstance(spec, list) or not spec:
                    continue
                choices = _choices(spec)
                if choices is not None:
                    offers[(class_type, name)] = frozenset(choices)
    return offers, frozenset(object_info)


def _choices(spec: list[Any]) -> list[str] | None:
    first = spec[0]
    if isinstance(first, list):
        return [item for item in first if isinstance(item, str)]
    if first == "COMBO" and len(spec) > 1 and isinstance(spec[1], Mapping):
        options = spec[1].get("options")
        if isinstance(options, list):
            return [item for item in options if isinstance(item, str)]
    return None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
