"""Run records and their media files."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, send_file

from server.errors import AppError, ErrorKind
from server.runs.store import RunStore


def runs_blueprint(runs: RunStore) -> Blueprint:
    bp = Blueprint("runs", __name__)

    @bp.get("/api/runs/<run_id>")
    def read(run_id: str) -> Response:
        return jsonify(runs.load(run_id).model_dump(mode="json"))

    @bp.get("/api/runs/<run_id>/media/<name>")
    def media(run_id: str, name: str) -> Response:
        record = runs.load(run_id)
        for generation in record.generations:
            for item in generation.media:
                if item.name == name:
                    # Only files the record lists are served, with the type recorded for them.
                    return send_file(runs.media_path(run_id, name), mimetype=item.mime_type, conditional=True)
        raise AppError("media_not_found", ErrorKind.NOT_FOUND, name=name)

    return bp
