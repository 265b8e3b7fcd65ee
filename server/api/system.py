"""GET /api/system/info (version, data folder, notices) and /api/system/storage (disk use)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from server.api.language import request_language
from server.services import Services
from server.settings.disk_usage import measure_storage


def system_blueprint(services: Services) -> Blueprint:
    bp = Blueprint("system", __name__)

    @bp.get("/api/system/info")
    def info() -> Response:
        language = request_language(services.settings)
        notices = [
            {
                "code": notice.code,
                "level": notice.level.value,
                "message": services.translator.translate(notice.code, language, notice.params),
            }
            for notice in services.notices.all()
        ]
        return jsonify(
            {
                "version": services.version,
                "portable": services.paths.portable,
                "data_dir": str(services.paths.data_dir),
                "notices": notices,
            }
        )

    @bp.get("/api/system/storage")
    def storage() -> Response:
        """The data folder, bytes used by runs, models and logs, and the free space on its disk."""
        return jsonify(measure_storage(services.paths).model_dump())

    return bp
