"""Catalog availability with a pool: an output is available when at least one ready machine has its files.

Without other machines (only the managed or single external ComfyUI) the local checks answer exactly
as before. With other machines, the ComfyUI checks of this computer (configured, running, model files
here) give way to the pool: a ready machine that offers every file is enough. When none does, the
reason says whether the files are at least on this computer, so a teacher knows where to act.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from server.catalog.availability import AvailabilityCheck, UnavailableReason
from server.catalog.models import OutputBackend, OutputConfig
from server.comfyui.pool import PoolReach
from server.model_files.manifest import ModelManifest
from server.model_files.presence import FileState, ModelPresence
from server.model_files.wording import file_names, name_text


class PoolAwareComfyUICheck:
    """``local`` are this computer's ComfyUI checks; ``reach`` is the pool's answer for an output."""

    def __init__(
        self,
        local: Sequence[AvailabilityCheck],
        reach: Callable[[OutputConfig], PoolReach | None],
        manifest: ModelManifest,
        presence: ModelPresence,
    ) -> None:
        self._local = list(local)
        self._reach = reach
        self._manifest = manifest
        self._presence = presence

    def __call__(self, output: OutputConfig) -> list[UnavailableReason]:
        local = [reason for check in self._local for reason in check(output)]
        if output.backend is not OutputBackend.COMFYUI:
            return local
        reach = self._reach(output)
        if reach is None or reach.others == 0:
            return local
        if reach.able > 0:
            return []
        if reach.pending > 0:
            # A machine is still starting or being read: a generation waits for it, as it does today.
            return local
        files = self._manifest.files_of(output)
        if not files:
            return [UnavailableReason(code="output_pool_no_ready_machine", fix_page="settings")]
        here = all(self._presence.find(model).state is FileState.PRESENT for model in files)
        return [
            UnavailableReason(
                code="output_pool_files_here_not_offered" if here else "output_pool_files_nowhere",
                params={
                    "output": name_text(output.name),
                    "files": file_names(files),
                    "ready": str(reach.ready),
                    "total": str(reach.total),
                },
                fix_page="settings" if here else "models",
            )
        ]
