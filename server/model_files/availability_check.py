"""Catalog availability: does this output have its model files? In words a teacher can act on.

Managed or no ComfyUI: the files must be in a folder of this machine that ComfyUI reads; when it
runs, it must also offer them (a folder added while it runs needs a restart). External ComfyUI:
the files live on that server, so only its loader lists count.
"""

from __future__ import annotations

from collections.abc import Callable

from server.catalog.availability import UnavailableReason
from server.catalog.models import ModelFile, OutputBackend, OutputConfig
from server.comfyui.status import ComfyUIStatus
from server.model_files.comfyui_listing import ComfyUIListing
from server.model_files.manifest import ModelManifest
from server.model_files.presence import FileState, ModelPresence
from server.model_files.wording import file_names, model_names, models_with_sizes, name_text, size_text
from server.settings.models import ComfyUIMode

FIX_PAGE = "models"


class ModelFilesCheck:
    def __init__(
        self,
        manifest: ModelManifest,
        presence: ModelPresence,
        listing: ComfyUIListing,
        status: Callable[[], ComfyUIStatus],
    ) -> None:
        self._manifest = manifest
        self._presence = presence
        self._listing = listing
        self._status = status

    def __call__(self, output: OutputConfig) -> list[UnavailableReason]:
        if output.backend is not OutputBackend.COMFYUI or not output.models:
            return []
        files = self._manifest.files_of(output)
        status = self._status()
        if status.mode is ComfyUIMode.EXTERNAL:
            return self._on_server(output, files, status.url or "")
        return self._on_this_machine(output, files)

    def _on_this_machine(self, output: OutputConfig, files: list[ModelFile]) -> list[UnavailableReason]:
        found = {model.id: self._presence.find(model) for model in files}
        missing = [model for model in files if found[model.id].state is FileState.MISSING]
        reasons: list[UnavailableReason] = []
        if missing:
            reasons.append(missing_reason(output, files, missing))
        for model in files:
            presence = found[model.id]
            if presence.state is FileState.WRONG_SIZE:
                reasons.append(
                    UnavailableReason(
                        code="output_model_file_wrong_size",
                        params={
                            "output": name_text(output.name),
                            "file": model.filename,
                            "actual": size_text(presence.size_on_disk or 0),
                            "expected": size_text(model.size),
                        },
                        fix_page=FIX_PAGE,
                    )
                )
            elif presence.state is FileState.DAMAGED:
                reasons.append(
                    UnavailableReason(
                        code="output_model_file_damaged",
                        params={"output": name_text(output.name), "file": model.filename},
                        fix_page=FIX_PAGE,
                    )
                )
        if reasons:
            return reasons
        not_offered = [model for model in files if self._listing.offered(model) is False]
        if not_offered:
            return [
                UnavailableReason(
                    code="output_models_not_offered",
                    params={"output": name_text(output.name), "files": file_names(not_offered)},
                    fix_page=FIX_PAGE,
                )
            ]
        return []

    def _on_server(self, output: OutputConfig, files: list[ModelFile], url: str) -> list[UnavailableReason]:
        not_offered = [model for model in files if self._listing.offered(model) is False]
        if not not_offered:
            return []
        return [
            UnavailableReason(
                code="output_models_missing_on_server",
                params={"output": name_text(output.name), "files": file_names(not_offered), "url": url},
                fix_page=FIX_PAGE,
            )
        ]


def missing_reason(
    output: OutputConfig, files: list[ModelFile], missing: list[ModelFile]
) -> UnavailableReason:
    """'Stable Audio Open needs 2 files, 5.7 GB: …; missing (1): …'."""
    return UnavailableReason(
        code="output_model_file_missing" if len(files) == 1 else "output_model_files_missing",
        params={
            "output": name_text(output.name),
            "count": str(len(files)),
            "size": size_text(sum(model.size for model in files)),
            # One file: its size is the total already.
            "files": model_names(files) if len(files) == 1 else models_with_sizes(files),
            "missing_count": str(len(missing)),
            "missing": models_with_sizes(missing),
        },
        fix_page=FIX_PAGE,
    )
