"""GET /api/system/info (version, data folder, notices) and /api/system/storage (disk use)."""

from __future__ import annotations

from flask import Blueprint, Response

from server.api.answers import NoticeView, SystemInfo
from server.api.contract import answer
from server.api.messages import LocalizedMessages
from server.notices import Notices
from server.settings.disk_usage import measure_storage
from server.settings.paths import AppPaths


def system_blueprint(
    version: str, paths: AppPaths, notices: Notices, messages: LocalizedMessages
) -> Blueprint:
    bp = Blueprint("system", __name__)

    @bp.get("/api/system/info")
    def info() -> tuple[Response, int]:
        language = messages.language()
        return answer(
            SystemInfo(
                version=version,
                portable=paths.portable,
                data_dir=str(paths.data_dir),
                notices=[
                    NoticeView(
                        code=notice.code,
                        level=notice.level,
                        message=messages.text(notice.code, notice.params, language),
                    )
                    for notice in notices.all()
                ],
            )
        )

    @bp.get("/api/system/storage")
    def storage() -> tuple[Response, int]:
        """The data folder, bytes used by runs, models and logs, and the free space on its disk."""
        return answer(measure_storage(paths))

    return bp
