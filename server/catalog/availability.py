"""Whether a student can use an output right now, and if not, why (in words a teacher can act on).

Each check looks at one thing (ComfyUI set up, model files present, cloud key, offline mode, ...);
later parts of the app add their checks when the services are built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from server.catalog.models import OutputBackend, OutputConfig
from server.settings.models import ComfyUIMode


class UnavailableReason(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    # A value may differ by language: {"de": "4,9 GB", "en": "4.9 GB"}.
    params: dict[str, str | dict[str, str]] = {}
    # The UI page where the teacher can fix it ("settings", "models").
    fix_page: str | None = None


class AvailabilityCheck(Protocol):
    def __call__(self, output: OutputConfig) -> list[UnavailableReason]: ...


class OutputAvailability:
    def __init__(self, checks: Sequence[AvailabilityCheck]) -> None:
        self._checks = list(checks)

    def add_check(self, check: AvailabilityCheck) -> None:
        self._checks.append(check)

    def reasons(self, output: OutputConfig) -> list[UnavailableReason]:
        return [reason for check in self._checks for reason in check(output)]


class ComfyUIConfiguredCheck:
    """``mode`` is the effective mode: the settings', or the command line's choice for this launch."""

    def __init__(self, mode: Callable[[], ComfyUIMode]) -> None:
        self._mode = mode

    def __call__(self, output: OutputConfig) -> list[UnavailableReason]:
        if output.backend is OutputBackend.COMFYUI and self._mode() is ComfyUIMode.NONE:
            return [UnavailableReason(code="output_needs_comfyui", fix_page="settings")]
        return []
