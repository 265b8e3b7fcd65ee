"""Run records and their media files (only files a record lists, with the type recorded for them)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, send_file

from server.errors import AppError, ErrorKind
from server.runs.models import MediaFileRecord
from server.runs.store import RunStore


def runs_blueprint(runs: RunStore, media_types: frozenset[str]) -> Blueprint:
    bp = Blueprint("runs", __name__)

    def serve(run_id: str, item: MediaFileRecord | None, wanted: str) -> Response:
        if item is None:
            raise AppError("media_not_found", ErrorKind.NOT_FOUND, name=wanted)
        return send_file(runs.media_path(run_id, item.name), mimetype=item.mime_type, conditional=True)

    @bp.get("/api/runs/<run_id>")
    def read(run_id: str) -> Response:
        return jsonify(runs.load(run_id).model_dump(mode="json"))

    @bp.get("/api/runs/<run_id>/media/<name>")
    def media(run_id: str, name: str) -> Response:
        return serve(run_id, runs.load(run_id).media_file(name), name)

    # The older form of the URL: the run's newest file of a media type. One route for every type from
    # the registry, so a new type can never lack one.
    @bp.get("/api/media/<media_type>/<run_id>")
    def media_by_type(media_type: str, run_id: str) -> Response:
        if media_type not in media_types:
            raise AppError("media_not_found", ErrorKind.NOT_FOUND, name=media_type)
        return serve(run_id, runs.load(run_id).latest_media(media_type), media_type)

    return bp
