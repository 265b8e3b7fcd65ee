"""GET /api/system/info (version, data folder, notices), POST /api/system/notices/dismiss and
/api/system/storage (disk use)."""

from __future__ import annotations

from flask import Blueprint, Response

from server.api.answers import NoticeView, SystemInfo
from server.api.contract import answer
from server.api.messages import LocalizedMessages
from server.api.request_body import parse_body
from server.dismissed_notices import DismissedNotices, NoticeDismissal
from server.notices import NoticeLevel, Notices
from server.settings.disk_usage import measure_storage
from server.settings.paths import AppPaths


def system_blueprint(
    version: str, paths: AppPaths, notices: Notices, messages: LocalizedMessages
) -> Blueprint:
    bp = Blueprint("system", __name__)
    dismissed = DismissedNotices(paths.config_dir, version)

    @bp.post("/api/system/notices/dismiss")
    def dismiss() -> tuple[Response, int]:
        """An information notice stays dismissed for this version; a warning only until the page reloads."""
        code = parse_body(NoticeDismissal).code
        if any(n.code == code and n.level is NoticeLevel.INFO for n in notices.all()):
            dismissed.dismiss(code)
        return info()

    @bp.get("/api/system/info")
    def info() -> tuple[Response, int]:
        language = messages.language()
        hidden = dismissed.codes()
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
                    if not (notice.level is NoticeLevel.INFO and notice.code in hidden)
                ],
            )
        )

    @bp.get("/api/system/storage")
    def storage() -> tuple[Response, int]:
        """The data folder, bytes used by runs, models and logs, and the free space on its disk."""
        return answer(measure_storage(paths))

    return bp
