"""Run records and their media files (only files a record lists, with the type recorded for them);
the gallery's list, detail, delete and export."""

from __future__ import annotations

from flask import Blueprint, Response, send_file

from server.api.answers import Deleted, JobAccepted
from server.api.contract import answer
from server.api.messages import LocalizedMessages
from server.api.principal import current_owner
from server.api.query import parse_query
from server.api.request_body import parse_body
from server.errors import AppError, ErrorKind
from server.runs.access import require_visible
from server.runs.export import ExportRequest, RunExporter
from server.runs.gallery import Gallery, GalleryQuery
from server.runs.models import MediaFileRecord, RunRecord
from server.runs.store import RunStore


def runs_blueprint(
    runs: RunStore,
    media_types: frozenset[str],
    gallery: Gallery,
    exporter: RunExporter,
    messages: LocalizedMessages,
) -> Blueprint:
    bp = Blueprint("runs", __name__)

    def visible_run(run_id: str) -> RunRecord:
        # A student reads only their own runs; another's answers exactly like a missing one.
        return require_visible(runs.load(run_id), current_owner())

    def serve(run_id: str, item: MediaFileRecord | None, wanted: str) -> Response:
        if item is None:
            raise AppError("media_not_found", ErrorKind.NOT_FOUND, name=wanted)
        return send_file(runs.media_path(run_id, item.name), mimetype=item.mime_type, conditional=True)

    @bp.get("/api/runs")
    def listing() -> tuple[Response, int]:
        return answer(gallery.page(parse_query(GalleryQuery), current_owner()))

    @bp.get("/api/runs/facets")
    def facets() -> tuple[Response, int]:
        return answer(gallery.facets())

    @bp.post("/api/runs/exports")
    def export() -> tuple[Response, int]:
        job = exporter.start(parse_body(ExportRequest), messages.language())
        return answer(JobAccepted(job_id=job.id), 202)

    @bp.get("/api/runs/exports/<export_id>")
    def download(export_id: str) -> Response:
        return send_file(
            exporter.path(export_id),
            mimetype="application/zip",
            as_attachment=True,
            download_name=f"ai4artsed-runs-{export_id[:8]}.zip",
        )

    @bp.get("/api/runs/<run_id>")
    def read(run_id: str) -> tuple[Response, int]:
        return answer(visible_run(run_id))

    @bp.get("/api/runs/<run_id>/detail")
    def detail(run_id: str) -> tuple[Response, int]:
        return answer(gallery.detail(run_id, messages.language(), current_owner()))

    @bp.delete("/api/runs/<run_id>")
    def delete(run_id: str) -> tuple[Response, int]:
        gallery.delete(run_id)
        return answer(Deleted(deleted=run_id))

    @bp.get("/api/runs/<run_id>/media/<name>")
    def media(run_id: str, name: str) -> Response:
        return serve(run_id, visible_run(run_id).media_file(name), name)

    # The older form of the URL: the run's newest file of a media type. One route for every type from
    # the registry, so a new type can never lack one.
    @bp.get("/api/media/<media_type>/<run_id>")
    def media_by_type(media_type: str, run_id: str) -> Response:
        if media_type not in media_types:
            raise AppError("media_not_found", ErrorKind.NOT_FOUND, name=media_type)
        return serve(run_id, visible_run(run_id).latest_media(media_type), media_type)

    return bp
