"""The one client of one ComfyUI server: HTTP through httpx, one long-lived websocket.

ComfyUI reports progress only over the websocket, and only to the ``client_id`` that submitted a
prompt. Messages sent while the socket is down are lost, so after every reconnect each tracked
prompt is reconciled through ``/history/<id>`` and ``/queue``; the same check runs when a prompt has
been silent for a while. A prompt ends with exactly one final event (Succeeded, Failed or
Interrupted). Success is final only after ``executing {node: null}``: ComfyUI writes the history
entry between ``execution_success`` and that message.

Threads: the socket thread reads frames and routes them into per-prompt queues; the thread that
consumes a handle's events reads the history and files. Everything here is thread-safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import queue
import struct
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.sync.client import ClientConnection, connect

from server.comfyui.prompt_errors import (
    PromptRejectedError,
    execution_failure,
    rejection_problems,
)
from server.comfyui.prompt_events import (
    DownloadedFile,
    ExecutionStarted,
    Failed,
    FinalEvent,
    Interrupted,
    NodeExecuted,
    NodeExecuting,
    NodesCached,
    OutputFile,
    Preview,
    Progress,
    PromptEvent,
    Queued,
    Succeeded,
    output_files,
)
from server.errors import AppError, ErrorKind
from server.network.http_clients import HttpClients
from server.network.policy import NetworkPolicy

log = logging.getLogger(__name__)
# The websocket library logs the handshake's headers at DEBUG; a pool machine's header is a secret
# (a proxy's login), so its logger never goes below INFO, whatever the app's log level.
_socket_log = logging.getLogger(f"{__name__}.websocket")
_socket_log.setLevel(logging.INFO)

PREVIEW_IMAGE = 1
PREVIEW_IMAGE_WITH_METADATA = 4
_PREVIEW_MIME = {1: "image/jpeg", 2: "image/png"}


@dataclass(frozen=True)
class ClientTimeouts:
    connect_s: float = 5.0
    request_s: float = 30.0
    # A prompt silent this long is checked through /history and /queue (messages may have been lost).
    idle_check_s: float = 15.0
    # How long /history may stay {} after the prompt is done.
    history_wait_s: float = 10.0
    reconnect_delays_s: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0)
    ping_interval_s: float = 10.0


class _QueueEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    number: int
    prompt_id: str


@dataclass(frozen=True)
class QueueSnapshot:
    running: tuple[str, ...]
    pending: tuple[str, ...]  # in the order ComfyUI will run them

    def position(self, prompt_id: str) -> int | None:
        """Prompts ahead of this one (running ones included); None if it is not queued."""
        if prompt_id in self.running:
            return 0
        if prompt_id in self.pending:
            return len(self.running) + self.pending.index(prompt_id)
        return None


class _HistoryStatus(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status_str: str | None = None
    completed: bool = False
    messages: list[Any] = []


class HistoryEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    outputs: dict[str, dict[str, Any]] = {}
    status: _HistoryStatus = _HistoryStatus()


@dataclass(frozen=True)
class _ResultReady:
    """Internal: the prompt succeeded; the consumer reads the history (given, or fetched now)."""

    entry: HistoryEntry | None


@dataclass
class _Tracked:
    prompt_id: str
    label: str
    class_types: dict[str, str]
    events: queue.Queue[PromptEvent | _ResultReady] = field(default_factory=queue.Queue)
    final: bool = False
    started: bool = False
    succeeded: bool = False
    position: int | None = None


class PromptHandle:
    """A submitted prompt. Iterate ``events()`` on one thread; it ends with the final event."""

    def __init__(self, client: ComfyUIClient, tracked: _Tracked, number: int) -> None:
        self._client = client
        self._tracked = tracked
        self.prompt_id = tracked.prompt_id
        self.number = number

    def events(self, timeout: float | None = None) -> Iterator[PromptEvent]:
        """Yields events until (and including) the final one.

        ``timeout`` bounds the whole wait; when it passes, a ``Failed(comfyui_job_timeout)`` ends it
        (the caller decides whether to interrupt ComfyUI).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        idle = self._client.timeouts.idle_check_s
        try:
            while True:
                wait = idle if deadline is None else max(0.0, min(idle, deadline - time.monotonic()))
                try:
                    item = self._tracked.events.get(timeout=wait)
                except queue.Empty:
                    if deadline is not None and time.monotonic() >= deadline:
                        yield Failed(code="comfyui_job_timeout", params={"output": self._tracked.label})
                        return
                    self._client.reconcile(self._tracked)
                    continue
                if isinstance(item, _ResultReady):
                    yield self._client.result(self._tracked, item.entry)
                    return
                yield item
                if isinstance(item, Failed | Interrupted):
                    return
        finally:
            self._client.forget(self._tracked)

    def wait(self, timeout: float | None = None) -> FinalEvent:
        """Consumes every event and returns the final one."""
        for event in self.events(timeout):
            if isinstance(event, Succeeded | Failed | Interrupted):
                return event
        raise AssertionError("a prompt's event stream ended without a final event")


class ComfyUIClient:
    def __init__(
        self,
        base_url: str,
        *,
        redact: Callable[[str], str] = str,
        timeouts: ClientTimeouts | None = None,
        client_id: str | None = None,
        preview_metadata: bool = True,
        http: HttpClients | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """``http``: the app's client factory (offline mode); unrestricted without it (tests).

        ``headers`` go with every request and the websocket handshake (a reverse proxy's login); they
        are secrets: never logged.
        """
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id or str(uuid.uuid4())
        self.timeouts = timeouts or ClientTimeouts()
        self._redact = redact
        clients = http or HttpClients(NetworkPolicy.unrestricted())
        self._network = clients.policy
        # The factory sends loopback traffic directly; a school server may sit behind the system proxy.
        self._http = clients.client(
            self.base_url,
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeouts.request_s, connect=self.timeouts.connect_s),
            headers=headers,
        )
        self._headers = dict(headers or {})
        self._lock = threading.Lock()
        self._tracked: dict[str, _Tracked] = {}
        self._running_prompt: str | None = None
        self._connected = threading.Event()
        self._closed = threading.Event()
        self._socket: ClientConnection | None = None
        self._thread: threading.Thread | None = None
        self._connections = 0
        # With metadata (binary type 4), a preview names its prompt and node; without it (type 1),
        # previews are attributed to the prompt that is running.
        self._preview_metadata = preview_metadata

    # ------------------------------------------------------------------ connection

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def connections(self) -> int:
        """How many times the websocket has been (re)opened."""
        with self._lock:
            return self._connections

    def connect(self, timeout: float = 10.0) -> None:
        """Opens the websocket (and keeps it open); raises AppError if it cannot within ``timeout``."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._socket_loop, name="comfyui-websocket", daemon=True
                )
                self._thread.start()
        if not self._connected.wait(timeout):
            raise AppError("comfyui_unreachable", ErrorKind.UNAVAILABLE, url=self.base_url)

    def close(self) -> None:
        """Closes the socket; prompts still tracked end with Failed(comfyui_connection_lost)."""
        self._closed.set()
        with self._lock:
            socket = self._socket
            tracked = list(self._tracked.values())
        if socket is not None:
            socket.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)
        for item in tracked:
            self._deliver_final(item, Failed(code="comfyui_connection_lost", params={"output": item.label}))
        self._http.close()

    def _socket_loop(self) -> None:
        ws_url = "ws" + self.base_url.removeprefix("http") + f"/ws?clientId={self.client_id}"
        failures = 0
        while not self._closed.is_set():
            if not self._network.allows(self.base_url):
                # Offline mode and ComfyUI on another computer: the websocket is guarded like HTTP.
                if failures == 0:
                    log.warning("offline mode: no websocket to the ComfyUI at %s", self.base_url)
                failures += 1
                self._closed.wait(self.timeouts.reconnect_delays_s[-1])
                continue
            try:
                with connect(
                    ws_url,
                    proxy=None,
                    additional_headers=self._headers or None,
                    logger=_socket_log,
                    open_timeout=self.timeouts.connect_s,
                    ping_interval=self.timeouts.ping_interval_s,
                    # Generous: a busy ComfyUI (CPU sampling) may answer pings late; a false alarm
                    # costs only a reconnect and a reconciliation.
                    ping_timeout=3 * self.timeouts.ping_interval_s,
                    close_timeout=2.0,
                    max_size=64 * 1024 * 1024,
                    max_queue=256,
                ) as socket:
                    failures = 0
                    self._serve(socket)
                continue
            except (OSError, WebSocketException, TimeoutError) as exc:
                # A refused connection, a broken handshake, a server going away mid-open: try again.
                delays = self.timeouts.reconnect_delays_s
                delay = delays[min(failures, len(delays) - 1)]
                failures += 1
                if failures == 1 or failures % 10 == 0:
                    log.info("ComfyUI websocket at %s unavailable (%s); retrying", self.base_url, exc)
                self._closed.wait(delay)

    def _serve(self, socket: ClientConnection) -> None:
        with self._lock:
            self._socket = socket
            self._connections += 1
            reconnected = self._connections > 1
        try:
            if self._preview_metadata:
                socket.send(
                    json.dumps({"type": "feature_flags", "data": {"supports_preview_metadata": True}})
                )
            if reconnected:
                log.info("ComfyUI websocket reconnected; checking the prompts in flight")
                for tracked in self._snapshot():
                    self.reconcile(tracked)
            self._connected.set()
            for frame in socket:
                try:
                    if isinstance(frame, bytes):
                        self._on_binary(frame)
                    else:
                        self._on_text(frame)
                except Exception:
                    log.exception("could not handle a ComfyUI websocket frame")
        except ConnectionClosed:
            pass
        finally:
            self._connected.clear()
            with self._lock:
                self._socket = None
            socket.close()
            if not self._closed.is_set():
                log.warning("ComfyUI websocket at %s closed; reconnecting", self.base_url)

    # ------------------------------------------------------------------ frames

    def _on_text(self, frame: str) -> None:
        message = json.loads(frame)
        if not isinstance(message, dict) or not isinstance(message.get("data"), dict):
            return
        kind, data = message.get("type"), message["data"]
        if kind == "status":
            self._on_queue_change()
            return
        prompt_id = data.get("prompt_id")
        tracked = self._find(prompt_id)
        if kind == "executing" and data.get("node") is None:
            with self._lock:
                if self._running_prompt == prompt_id:
                    self._running_prompt = None
            if tracked is not None:
                if tracked.succeeded:
                    self._deliver_final(tracked, _ResultReady(None))
                else:
                    self.reconcile(tracked)  # its final message was lost
            return
        if tracked is None:
            return
        if kind == "execution_start":
            with self._lock:
                self._running_prompt = tracked.prompt_id
                tracked.started = True
            self._deliver(tracked, ExecutionStarted())
        elif kind == "execution_cached":
            self._deliver(tracked, NodesCached(tuple(str(node) for node in data.get("nodes") or ())))
        elif kind == "executing":
            node = str(data["node"])
            self._deliver(tracked, NodeExecuting(node, tracked.class_types.get(node)))
        elif kind == "progress":
            node = data.get("node")
            self._deliver(
                tracked,
                Progress(
                    int(data.get("value", 0)), int(data.get("max", 0)), None if node is None else str(node)
                ),
            )
        elif kind == "executed":
            output = data.get("output")
            self._deliver(
                tracked, NodeExecuted(str(data.get("node")), output if isinstance(output, dict) else {})
            )
        elif kind == "execution_success":
            with self._lock:
                tracked.succeeded = True
        elif kind == "execution_error":
            failure = execution_failure(data, tracked.label, self._redact)
            self._deliver_final(
                tracked, Failed(failure.code, failure.params, failure.node, failure.class_type)
            )
        elif kind == "execution_interrupted":
            node = data.get("node_id")
            self._deliver_final(tracked, Interrupted(None if node is None else str(node)))
        # Anything else (progress_state, newer message types) carries nothing we need.

    def _on_binary(self, frame: bytes) -> None:
        if len(frame) < 8:
            return
        (event_type,) = struct.unpack(">I", frame[:4])
        if event_type == PREVIEW_IMAGE:
            (image_type,) = struct.unpack(">I", frame[4:8])
            with self._lock:
                running = self._running_prompt
            tracked = self._find(running)
            if tracked is not None:
                self._deliver(tracked, Preview(frame[8:], _PREVIEW_MIME.get(image_type, "image/jpeg"), None))
        elif event_type == PREVIEW_IMAGE_WITH_METADATA:
            (length,) = struct.unpack(">I", frame[4:8])
            metadata = json.loads(frame[8 : 8 + length])
            if not isinstance(metadata, dict):
                return
            tracked = self._find(metadata.get("prompt_id"))
            if tracked is not None:
                node = metadata.get("node_id")
                mime = str(metadata.get("image_type") or "image/jpeg")
                self._deliver(
                    tracked, Preview(frame[8 + length :], mime, None if node is None else str(node))
                )

    def _on_queue_change(self) -> None:
        """``status`` says the queue changed: tell waiting prompts their new position."""
        with self._lock:
            waiting = [item for item in self._tracked.values() if not item.started and not item.final]
        if not waiting:
            return
        try:
            snapshot = self.queue()
        except AppError:
            return
        for tracked in waiting:
            self._report_position(tracked, snapshot)

    def _report_position(self, tracked: _Tracked, snapshot: QueueSnapshot) -> None:
        position = snapshot.position(tracked.prompt_id)
        if position is None or tracked.prompt_id in snapshot.running:
            return
        with self._lock:
            if tracked.started or tracked.position == position:
                return
            tracked.position = position
        self._deliver(tracked, Queued(position))

    # ------------------------------------------------------------------ delivery

    def _find(self, prompt_id: object) -> _Tracked | None:
        if not isinstance(prompt_id, str):
            return None
        with self._lock:
            return self._tracked.get(prompt_id)

    def _snapshot(self) -> list[_Tracked]:
        with self._lock:
            return list(self._tracked.values())

    def _deliver(self, tracked: _Tracked, event: PromptEvent) -> None:
        with self._lock:
            if tracked.final:
                return
        tracked.events.put(event)

    def _deliver_final(self, tracked: _Tracked, event: Failed | Interrupted | _ResultReady) -> None:
        with self._lock:
            if tracked.final:
                return
            tracked.final = True
        tracked.events.put(event)

    def forget(self, tracked: _Tracked) -> None:
        with self._lock:
            self._tracked.pop(tracked.prompt_id, None)

    # ------------------------------------------------------------------ prompts

    def submit(self, workflow: Mapping[str, Any], *, label: str = "ComfyUI") -> PromptHandle:
        """Queues an API-format workflow under our own prompt id.

        ``label`` is the output's display name; it appears in every message about this prompt
        ("Stable Audio: model file t5-base.safetensors is missing"). Raises PromptRejectedError
        when ComfyUI refuses the workflow, AppError when ComfyUI cannot be reached.
        """
        prompt_id = str(uuid.uuid4())
        class_types = _class_types(workflow)
        tracked = _Tracked(prompt_id=prompt_id, label=label, class_types=class_types)
        # Tracked before the POST: its first messages can arrive before the POST is answered.
        with self._lock:
            self._tracked[prompt_id] = tracked
        try:
            number = self._post_prompt(workflow, prompt_id, label)
        except BaseException:
            self.forget(tracked)
            raise
        log.info("queued %s prompt %s (number %d)", label, prompt_id, number)
        with contextlib.suppress(AppError):
            self._report_position(tracked, self.queue())
        return PromptHandle(self, tracked, number)

    def _post_prompt(self, workflow: Mapping[str, Any], prompt_id: str, label: str) -> int:
        response = self._request(
            "POST", "/prompt", json={"prompt": workflow, "client_id": self.client_id, "prompt_id": prompt_id}
        )
        body = self._json_or_none(response)
        if response.status_code == 400 and isinstance(body, dict):
            log.warning("ComfyUI rejected a %s workflow: %s", label, self._redact(response.text[:4000]))
            raise PromptRejectedError(rejection_problems(body, workflow, label, self._redact))
        if response.status_code != 200 or not isinstance(body, dict):
            log.error("ComfyUI answered POST /prompt with %d: %s", response.status_code, response.text[:2000])
            raise AppError("comfyui_server_error", ErrorKind.FAILED, status=str(response.status_code))
        if body.get("node_errors"):
            # Some output branch is invalid; ComfyUI runs only the others. Our workflows need all.
            self.dequeue(prompt_id)
            log.warning(
                "ComfyUI accepted only part of a %s workflow: %s", label, self._redact(response.text[:4000])
            )
            raise PromptRejectedError(rejection_problems(body, workflow, label, self._redact))
        number = body.get("number")
        return number if isinstance(number, int) else -1

    def cancel(self, prompt_id: str) -> None:
        """Removes a waiting prompt from ComfyUI's queue, or interrupts it when it runs."""
        snapshot = self.queue()
        if prompt_id in snapshot.pending:
            self.dequeue(prompt_id)
            again = self.queue()
            if prompt_id in again.running:  # it started between the two calls
                self.interrupt(prompt_id)
                return
            tracked = self._find(prompt_id)
            if tracked is not None:
                # ComfyUI says nothing about a removed prompt: this is its end.
                self._deliver_final(tracked, Interrupted(None))
        elif prompt_id in snapshot.running:
            self.interrupt(prompt_id)

    def interrupt(self, prompt_id: str | None = None) -> None:
        """Stops the running prompt (only this one, if given) at the next node boundary or sampler step."""
        self._request("POST", "/interrupt", json={"prompt_id": prompt_id} if prompt_id else {})

    def dequeue(self, *prompt_ids: str) -> None:
        self._request("POST", "/queue", json={"delete": list(prompt_ids)})

    def free(self, unload_models: bool = True, free_memory: bool = True) -> None:
        self._request("POST", "/free", json={"unload_models": unload_models, "free_memory": free_memory})

    def queue(self) -> QueueSnapshot:
        body = self._request("GET", "/queue").json()
        running = [self._queue_entry(item) for item in body.get("queue_running", [])]
        pending = [self._queue_entry(item) for item in body.get("queue_pending", [])]
        return QueueSnapshot(
            running=tuple(entry.prompt_id for entry in running if entry),
            pending=tuple(
                entry.prompt_id for entry in sorted((e for e in pending if e), key=lambda e: e.number)
            ),
        )

    @staticmethod
    def _queue_entry(item: object) -> _QueueEntry | None:
        if isinstance(item, list) and len(item) >= 2:
            with contextlib.suppress(ValidationError):
                return _QueueEntry(number=item[0], prompt_id=item[1])
        return None

    def history(self, prompt_id: str) -> HistoryEntry | None:
        """The prompt's history entry, or None while ComfyUI has none (queued, running, just finished)."""
        body = self._request("GET", f"/history/{prompt_id}").json()
        entry = body.get(prompt_id) if isinstance(body, dict) else None
        if not isinstance(entry, dict):
            return None
        return HistoryEntry.model_validate(entry)

    def object_info(self) -> dict[str, Any]:
        body = self._request("GET", "/object_info").json()
        return body if isinstance(body, dict) else {}

    def system_stats(self) -> dict[str, Any]:
        body = self._request("GET", "/system_stats").json()
        return body if isinstance(body, dict) else {}

    # ------------------------------------------------------------------ results

    def reconcile(self, tracked: _Tracked) -> None:
        """Works out a prompt's state from /history and /queue (after lost messages)."""
        if tracked.final:
            return
        try:
            entry = self.history(tracked.prompt_id)
            if entry is None:
                snapshot = self.queue()
                if snapshot.position(tracked.prompt_id) is not None:
                    self._report_position(tracked, snapshot)
                    return
                # Finished between the two requests, or gone (ComfyUI restarted, queue cleared).
                entry = self.history(tracked.prompt_id)
        except AppError as exc:
            log.info("could not check prompt %s yet: %s", tracked.prompt_id, exc.code)
            return
        if entry is None:
            log.warning("prompt %s is neither queued nor in the history", tracked.prompt_id)
            self._deliver_final(tracked, Failed(code="comfyui_prompt_lost", params={"output": tracked.label}))
            return
        self._deliver_final(tracked, self._final_from_history(tracked, entry))

    def _final_from_history(
        self, tracked: _Tracked, entry: HistoryEntry
    ) -> Failed | Interrupted | _ResultReady:
        if entry.status.status_str == "success":
            return _ResultReady(entry)
        for message in reversed(entry.status.messages):
            if not (isinstance(message, list) and len(message) == 2 and isinstance(message[1], dict)):
                continue
            kind, data = message
            if kind == "execution_error":
                failure = execution_failure(data, tracked.label, self._redact)
                return Failed(failure.code, failure.params, failure.node, failure.class_type)
            if kind == "execution_interrupted":
                node = data.get("node_id")
                return Interrupted(None if node is None else str(node))
        return Failed(code="comfyui_prompt_failed", params={"output": tracked.label})

    def result(self, tracked: _Tracked, entry: HistoryEntry | None) -> Succeeded | Failed:
        """The final event of a prompt that succeeded: its outputs from /history (written just before)."""
        deadline = time.monotonic() + self.timeouts.history_wait_s
        while entry is None:
            try:
                entry = self.history(tracked.prompt_id)
            except AppError:
                entry = None
            if entry is None:
                if time.monotonic() > deadline:
                    log.error("ComfyUI has no history for finished prompt %s", tracked.prompt_id)
                    return Failed(code="comfyui_result_missing", params={"output": tracked.label})
                time.sleep(0.05)
        return Succeeded(outputs=entry.outputs, files=output_files(entry.outputs))

    def fetch(self, file: OutputFile) -> tuple[bytes, str]:
        """A result file's bytes and MIME type (for small files; use ``download`` for media)."""
        response = self._request("GET", "/view", params=self._view_params(file))
        if response.status_code != 200:
            raise AppError("comfyui_file_missing", ErrorKind.FAILED, file=file.filename)
        return response.content, _mime(response)

    def download(self, file: OutputFile, destination: Path) -> DownloadedFile:
        """Streams a result file to ``destination`` (temp name, then rename); returns MIME and sha256."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
        )
        tmp = Path(tmp_name)
        try:
            with (
                os.fdopen(fd, "wb") as handle,
                self._http.stream("GET", "/view", params=self._view_params(file)) as response,
            ):
                if response.status_code != 200:
                    raise AppError("comfyui_file_missing", ErrorKind.FAILED, file=file.filename)
                mime = _mime(response)
                for chunk in response.iter_bytes(1024 * 1024):
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            tmp.replace(destination)
        except httpx.HTTPError as exc:
            raise AppError("comfyui_unreachable", ErrorKind.UNAVAILABLE, url=self.base_url) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return DownloadedFile(path=destination, mime=mime, size=size, sha256=digest.hexdigest())

    @staticmethod
    def _view_params(file: OutputFile) -> dict[str, str]:
        return {"filename": file.filename, "subfolder": file.subfolder, "type": file.type}

    # ------------------------------------------------------------------ http

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        # A GET is tried twice: after a network break the first attempt may use a dead pooled connection.
        attempts = 2 if method == "GET" else 1
        for attempt in range(attempts):
            try:
                response = self._http.request(method, path, **kwargs)
                break
            except httpx.TransportError as exc:
                if attempt + 1 < attempts:
                    continue
                log.info("ComfyUI %s %s failed: %s", method, path, exc)
                raise AppError("comfyui_unreachable", ErrorKind.UNAVAILABLE, url=self.base_url) from exc
        if response.status_code >= 500 and path != "/prompt":
            log.error(
                "ComfyUI answered %s %s with %d: %s", method, path, response.status_code, response.text[:2000]
            )
            raise AppError("comfyui_server_error", ErrorKind.FAILED, status=str(response.status_code))
        return response

    @staticmethod
    def _json_or_none(response: httpx.Response) -> object:
        if "json" not in response.headers.get("content-type", ""):
            return None
        try:
            return response.json()
        except ValueError:
            return None


def _class_types(workflow: object) -> dict[str, str]:
    """Node id -> class type, to name the node in progress events (ComfyUI only sends the id)."""
    if not isinstance(workflow, Mapping):
        return {}
    return {
        str(node_id): str(node.get("class_type"))
        for node_id, node in workflow.items()
        if isinstance(node, Mapping)
    }


def _mime(response: httpx.Response) -> str:
    content_type = str(response.headers.get("content-type", "application/octet-stream"))
    return content_type.split(";")[0].strip()
