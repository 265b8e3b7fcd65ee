"""Catalog availability: a ComfyUI output cannot be used while ComfyUI has failed (and says why)."""

from __future__ import annotations

from collections.abc import Callable

from server.catalog.availability import UnavailableReason
from server.catalog.models import OutputBackend, OutputConfig
from server.comfyui.status import ComfyUIState, ComfyUIStatus


class ComfyUIRunningCheck:
    """Starting and restarting are not reasons: a generation waits for them. Failed is one."""

    def __init__(self, status: Callable[[], ComfyUIStatus]) -> None:
        self._status = status

    def __call__(self, output: OutputConfig) -> list[UnavailableReason]:
        if output.backend is not OutputBackend.COMFYUI:
            return []
        status = self._status()
        if status.state is not ComfyUIState.FAILED:
            return []
        reason = status.reason
        code = reason.code if reason else "comfyui_state_failed"
        return [
            UnavailableReason(code=code, params=dict(reason.params) if reason else {}, fix_page="settings")
        ]
