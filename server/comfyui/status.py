"""The state of the ComfyUI runtime as the UI and other services see it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from server.settings.models import ComfyUIMode


class ComfyUIState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    CRASHED = "crashed"  # ended on its own after a good start; a restart is coming
    FAILED = "failed"  # could not start, or crashed too often; needs a person


class Reason(BaseModel):
    """Why ComfyUI is not ready: a message code with its facts (paths already redacted)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    params: dict[str, str] = {}


class ComfyUIStatus(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: ComfyUIMode
    state: ComfyUIState
    # The base URL when ready (loopback for a managed ComfyUI). Only the server talks to it.
    url: str | None = None
    reason: Reason | None = None
    pid: int | None = None
    version: str | None = None
    # Unplanned ends since the last start a person asked for.
    crashes: int = 0
    # Seconds until the next automatic restart, while crashed.
    restart_in_s: float | None = None


def status_messages(status: ComfyUIStatus) -> list[Reason]:
    """The sentences that explain a status to a teacher, in order (message codes with their facts)."""
    if status.mode is ComfyUIMode.NONE:
        return [Reason(code="comfyui_state_none")]
    if status.state is ComfyUIState.CRASHED:
        seconds = f"{status.restart_in_s:g}" if status.restart_in_s is not None else "?"
        lines = [Reason(code="comfyui_state_crashed", params={"seconds": seconds})]
        return [*lines, status.reason] if status.reason else lines
    if status.state is ComfyUIState.FAILED:
        lines = (
            [Reason(code="comfyui_gave_up", params={"count": str(status.crashes)})] if status.crashes else []
        )
        return [*lines, status.reason or Reason(code="comfyui_state_failed")]
    return [Reason(code=f"comfyui_state_{status.state.value}")]
