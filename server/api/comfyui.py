"""ComfyUI's state, its recent log lines, and start/stop/restart for the settings page."""

from __future__ import annotations

import queue

from flask import Blueprint, Response, request

from server.api.answers import ComfyUILogs, ComfyUIMachineView, ComfyUIPoolView, ComfyUIStatusView
from server.api.contract import answer
from server.api.event_stream import Batch, Message, event_stream_response
from server.api.messages import LocalizedMessages
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.status import ComfyUIStatus, status_messages
from server.i18n.translator import Language
from server.stream_budget import StreamBudget


def comfyui_blueprint(
    runtime: ComfyUIRuntime, messages: LocalizedMessages, streams: StreamBudget
) -> Blueprint:
    bp = Blueprint("comfyui", __name__)

    def described(status: ComfyUIStatus, language: Language) -> ComfyUIStatusView:
        message = " ".join(
            messages.text(line.code, line.params, language) for line in status_messages(status)
        )
        return ComfyUIStatusView(**dict(status), message=message)

    def render(status: ComfyUIStatus, code: int = 200) -> tuple[Response, int]:
        return answer(described(status, messages.language()), code)

    @bp.get("/api/comfyui/events")
    def events() -> Response:
        """The state now, then every change, as server-sent events (for the settings page)."""
        language = messages.language()
        changes: queue.Queue[ComfyUIStatus] = queue.Queue()
        unsubscribe = runtime.subscribe(changes.put)
        changes.put(runtime.status())

        def next_batch(timeout: float) -> Batch:
            try:
                statuses = [changes.get(timeout=timeout)]
            except queue.Empty:
                return Batch()
            while not changes.empty():
                statuses.append(changes.get_nowait())
            return Batch(
                [
                    Message("status", described(status, language).model_dump(mode="json"))
                    for status in statuses
                ]
            )

        return event_stream_response(next_batch, streams, on_close=unsubscribe)

    @bp.get("/api/comfyui/status")
    def status() -> tuple[Response, int]:
        return render(runtime.status())

    @bp.get("/api/comfyui/pool")
    def pool() -> tuple[Response, int]:
        """The machines of the ComfyUI pool: state, queue, device, model files (for the status panel)."""
        language = messages.language()
        machines = [
            ComfyUIMachineView(
                status=machine,
                message=messages.text(machine.reason, {"url": machine.url or ""}, language)
                if machine.reason
                else None,
            )
            for machine in runtime.pool.statuses()
        ]
        return answer(ComfyUIPoolView(machines=machines, slots=runtime.pool.slots()))

    @bp.get("/api/comfyui/logs")
    def logs() -> tuple[Response, int]:
        after = request.args.get("after", default=0, type=int) or 0
        lines = runtime.logs(after)
        return answer(ComfyUILogs(lines=lines, last=lines[-1].seq if lines else after))

    @bp.post("/api/comfyui/start")
    def start() -> tuple[Response, int]:
        return render(runtime.start(), 202)

    @bp.post("/api/comfyui/stop")
    def stop() -> tuple[Response, int]:
        return render(runtime.stop())

    @bp.post("/api/comfyui/restart")
    def restart() -> tuple[Response, int]:
        return render(runtime.restart(), 202)

    return bp
