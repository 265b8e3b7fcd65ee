"""The one check of every URL path before a route sees it: parts that no file or id can have are a 400.

Routes build file paths from their parts (a run's folder, a media file, a file of the web UI); a part
longer than a file name made the UI's static route fail with ENAMETOOLONG (a 500). No id the app hands
out and no file it serves comes near the limit, so such paths are refused here, for /api and the UI.
"""

from __future__ import annotations

from flask import Flask, Response, request

from server.api.errors import error_response
from server.api.messages import LocalizedMessages
from server.path_names import MAX_NAME_BYTES, NAME_TOO_LONG, path_problem


def install_path_checks(app: Flask, messages: LocalizedMessages) -> None:
    @app.before_request
    def _check_path() -> tuple[Response, int] | None:
        problem = path_problem(request.path)
        if problem is None:
            return None
        code = "path_part_too_long" if problem == NAME_TOO_LONG else "path_part_invalid"
        return error_response(messages, code, 400, {"max": MAX_NAME_BYTES})
