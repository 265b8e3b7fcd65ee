"""GET /api/diagnostics: the diagnostics zip as a download (the window opens the system's save dialog)."""

from __future__ import annotations

import io

from flask import Blueprint, Response

from server.diagnostics.report import DiagnosticsReport


def diagnostics_blueprint(report: DiagnosticsReport) -> Blueprint:
    bp = Blueprint("diagnostics", __name__)

    # A GET, so the UI can offer a plain download link (the session cookie authorises it, like media).
    @bp.get("/api/diagnostics")
    def download() -> Response:
        buffer = io.BytesIO()
        report.write(buffer)
        response = Response(buffer.getvalue(), mimetype="application/zip")
        response.headers["Content-Disposition"] = f'attachment; filename="{report.file_name()}"'
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp
