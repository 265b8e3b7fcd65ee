"""The models page: status per output and file, model folders, and import/download/verify/bundle jobs."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.api.language import request_language
from server.api.query import parse_query
from server.api.request_body import parse_body
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language, Translator
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
from server.model_files.service import ModelService
from server.settings.store import SettingsStore


def folder_json(location: ModelLocation) -> dict[str, object]:
    return {
        "id": location.id,
        "path": str(location.path),
        "layout": location.layout.value,
        "origin": location.origin.value,
        "enabled": location.enabled,
        "folder_keys": sorted(location.subfolders),
    }


def model_files_blueprint(models: ModelService, translator: Translator, settings: SettingsStore) -> Blueprint:
    bp = Blueprint("model_files", __name__)

    def translated(code: str, language: Language, params: dict[str, object]) -> str:
        return translator.translate(code, language, params)

    @bp.get("/api/models")
    def overview() -> Response:
        language = request_language(settings)
        view = models.overview()
        return jsonify(
            {
                "models_dir": str(view.models_dir),
                "free_bytes": view.free_bytes,
                "offline": view.offline,
                "comfyui_mode": view.comfyui_mode.value,
                "restart_needed": view.restart_needed,
                "outputs": [
                    {
                        "id": output.id,
                        "name": output.name.model_dump(),
                        "media_type": output.media_type,
                        "files": output.files,
                        "size": output.size,
                        "ready": not output.reasons,
                        "reasons": [
                            {
                                "code": reason.code,
                                "message": translated(reason.code, language, dict(reason.params)),
                                "fix_page": reason.fix_page,
                            }
                            for reason in output.reasons
                        ],
                    }
                    for output in view.outputs
                ],
                "files": [
                    {
                        **file.model_dump(mode="json", exclude={"presence"}),
                        "state": file.presence.state.value,
                        "checksum": file.presence.checksum.value if file.presence.checksum else None,
                        "path": str(file.presence.path) if file.presence.path else None,
                        "size_on_disk": file.presence.size_on_disk,
                        "location_id": file.presence.location_id,
                        "origin": file.presence.origin.value if file.presence.origin else None,
                    }
                    for file in view.files
                ],
                "folders": [folder_json(location) for location in view.folders],
                "find_existing": settings.current.model_folders.find_existing,
                "jobs": view.jobs,
            }
        )

    @bp.post("/api/models/import")
    def start_import() -> tuple[Response, int]:
        job = models.start_import(parse_body(ImportRequest).folder)
        return jsonify({"job_id": job.id}), 202

    @bp.post("/api/models/download")
    def start_download() -> tuple[Response, int]:
        body = parse_body(DownloadRequest)
        job = models.start_download(body.model_ids, body.licence_accepted)
        return jsonify({"job_id": job.id}), 202

    @bp.post("/api/models/verify")
    def start_verify() -> tuple[Response, int]:
        job = models.start_verify(parse_body(VerifyRequest).model_ids)
        return jsonify({"job_id": job.id}), 202

    @bp.post("/api/models/bundle")
    def start_bundle() -> tuple[Response, int]:
        body = parse_body(BundleRequest)
        job = models.start_bundle(body.folder, body.model_ids)
        return jsonify({"job_id": job.id}), 202

    @bp.delete("/api/models/files/<model_id>")
    def remove_file(model_id: str) -> Response:
        models.remove_file(model_id)
        return jsonify({"removed": model_id})

    @bp.get("/api/models/folders")
    def folders() -> Response:
        return jsonify(
            {
                "find_existing": settings.current.model_folders.find_existing,
                "restart_needed": models.folders.restart_needed(),
                "folders": [
                    folder_json(location) for location in models.folders.locations(include_disabled=True)[1:]
                ],
            }
        )

    @bp.post("/api/models/folders")
    def add_folder() -> tuple[Response, int]:
        location = models.folders.add(parse_body(FolderAddRequest).path)
        models.listing.clear()
        return jsonify(folder_json(location)), 201

    @bp.patch("/api/models/folders/<folder_id>")
    def change_folder(folder_id: str) -> Response:
        location = models.folders.set_enabled(folder_id, enabled=parse_body(FolderChangeRequest).enabled)
        models.listing.clear()
        return jsonify(folder_json(location))

    @bp.delete("/api/models/folders/<folder_id>")
    def remove_folder(folder_id: str) -> Response:
        models.folders.remove(folder_id)
        models.listing.clear()
        return jsonify({"removed": folder_id})

    @bp.put("/api/models/folders/find-existing")
    def find_existing() -> Response:
        models.folders.set_find_existing(parse_body(FindExistingRequest).find_existing)
        models.listing.clear()
        return jsonify({"find_existing": settings.current.model_folders.find_existing})

    @bp.get("/api/models/places")
    def places() -> Response:
        return jsonify({"places": [place.model_dump(mode="json") for place in models.places()]})

    @bp.get("/api/models/browse")
    def browse() -> Response:
        path = request.args.get("path", "")
        if not path:
            raise AppError("model_browse_not_absolute", ErrorKind.INVALID_INPUT, folder=path)
        return jsonify(models.browse(parse_query(BrowseQuery).path).model_dump(mode="json"))

    return bp
