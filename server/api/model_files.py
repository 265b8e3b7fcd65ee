"""The models page: status per output and file, model folders, and import/download/verify/bundle jobs."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Blueprint, Response, request

from server.api.answers import (
    FindExisting,
    JobAccepted,
    ModelFileInfo,
    ModelFoldersView,
    ModelFolderView,
    ModelsOverviewView,
    OutputModels,
    Places,
    Removed,
)
from server.api.contract import answer
from server.api.messages import LocalizedMessages
from server.api.query import parse_query
from server.api.request_body import parse_body
from server.catalog.views import OutputMachinesView, OutputPlaces, described_reasons
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language
from server.llm.builtin_models_in_use import builtin_models_in_use
from server.model_files.folders import ModelLocation
from server.model_files.requests import (
    BrowseQuery,
    BundleRequest,
    DownloadRequest,
    FindExistingRequest,
    FolderAddRequest,
    FolderChangeRequest,
    ImportRequest,
    VerifyRequest,
)
from server.model_files.service import ModelFileView, ModelService
from server.settings.store import SettingsStore


def folder_view(location: ModelLocation) -> ModelFolderView:
    return ModelFolderView(
        id=location.id,
        path=str(location.path),
        layout=location.layout,
        origin=location.origin,
        enabled=location.enabled,
        folder_keys=sorted(location.subfolders),
    )


def file_info(file: ModelFileView) -> ModelFileInfo:
    presence = file.presence
    return ModelFileInfo(
        **file.model_dump(exclude={"presence"}),
        state=presence.state,
        checksum=presence.checksum,
        path=str(presence.path) if presence.path else None,
        size_on_disk=presence.size_on_disk,
        location_id=presence.location_id,
        origin=presence.origin,
    )


def model_files_blueprint(
    models: ModelService,
    messages: LocalizedMessages,
    settings: SettingsStore,
    engine_model_present: Callable[[str], bool],
    output_places: OutputPlaces | None = None,
) -> Blueprint:
    bp = Blueprint("model_files", __name__)

    def find_existing_now() -> bool:
        return settings.current.model_folders.find_existing

    def page_text(code: str, params: Mapping[str, object], language: Language) -> str:
        # On the Models page the advice must not send the teacher to the page they are on.
        here = f"models_page.{code}"
        return messages.text(here if messages.has(here) else code, params, language)

    def machines_of(output_id: str) -> OutputMachinesView | None:
        output = models.output_config(output_id)
        where = output_places(output) if output_places is not None and output is not None else None
        return OutputMachinesView(ready=where[0], total=where[1]) if where else None

    @bp.get("/api/models")
    def overview() -> tuple[Response, int]:
        language = messages.language()
        view = models.overview()
        return answer(
            ModelsOverviewView(
                models_dir=str(view.models_dir),
                free_bytes=view.free_bytes,
                offline=view.offline,
                comfyui_mode=view.comfyui_mode,
                restart_needed=view.restart_needed,
                outputs=[
                    OutputModels(
                        id=output.id,
                        name=output.name,
                        media_type=output.media_type,
                        files=output.files,
                        size=output.size,
                        ready=not output.reasons,
                        reasons=described_reasons(
                            output.reasons, lambda code, params: page_text(code, params, language)
                        ),
                        machines=machines_of(output.id),
                    )
                    for output in view.outputs
                ],
                files=[file_info(file) for file in view.files],
                folders=[folder_view(location) for location in view.folders],
                find_existing=find_existing_now(),
                jobs=view.jobs,
                engine_models=builtin_models_in_use(settings.current.llm, engine_model_present),
            )
        )

    @bp.post("/api/models/import")
    def start_import() -> tuple[Response, int]:
        job = models.start_import(parse_body(ImportRequest).folder)
        return answer(JobAccepted(job_id=job.id), 202)

    @bp.post("/api/models/download")
    def start_download() -> tuple[Response, int]:
        body = parse_body(DownloadRequest)
        job = models.start_download(body.model_ids, body.licence_accepted)
        return answer(JobAccepted(job_id=job.id), 202)

    @bp.post("/api/models/verify")
    def start_verify() -> tuple[Response, int]:
        job = models.start_verify(parse_body(VerifyRequest).model_ids)
        return answer(JobAccepted(job_id=job.id), 202)

    @bp.post("/api/models/bundle")
    def start_bundle() -> tuple[Response, int]:
        body = parse_body(BundleRequest)
        job = models.start_bundle(body.folder, body.model_ids)
        return answer(JobAccepted(job_id=job.id), 202)

    @bp.delete("/api/models/files/<model_id>")
    def remove_file(model_id: str) -> tuple[Response, int]:
        models.remove_file(model_id)
        return answer(Removed(removed=model_id))

    @bp.get("/api/models/folders")
    def folders() -> tuple[Response, int]:
        return answer(
            ModelFoldersView(
                find_existing=find_existing_now(),
                restart_needed=models.folders.restart_needed(),
                folders=[folder_view(location) for location in models.other_folders()],
            )
        )

    @bp.post("/api/models/folders")
    def add_folder() -> tuple[Response, int]:
        return answer(folder_view(models.add_folder(parse_body(FolderAddRequest).path)), 201)

    @bp.patch("/api/models/folders/<folder_id>")
    def change_folder(folder_id: str) -> tuple[Response, int]:
        enabled = parse_body(FolderChangeRequest).enabled
        return answer(folder_view(models.set_folder_enabled(folder_id, enabled=enabled)))

    @bp.delete("/api/models/folders/<folder_id>")
    def remove_folder(folder_id: str) -> tuple[Response, int]:
        models.remove_folder(folder_id)
        return answer(Removed(removed=folder_id))

    @bp.put("/api/models/folders/find-existing")
    def find_existing() -> tuple[Response, int]:
        models.set_find_existing(parse_body(FindExistingRequest).find_existing)
        return answer(FindExisting(find_existing=find_existing_now()))

    @bp.get("/api/models/places")
    def places() -> tuple[Response, int]:
        return answer(Places(places=models.places()))

    @bp.get("/api/models/browse")
    def browse() -> tuple[Response, int]:
        path = request.args.get("path", "")
        if not path:
            raise AppError("model_browse_not_absolute", ErrorKind.INVALID_INPUT, folder=path)
        return answer(models.browse(parse_query(BrowseQuery).path))

    return bp
