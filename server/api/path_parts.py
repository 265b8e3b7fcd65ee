"""The one check of every URL path before a route sees it: parts that no file or id can have are a 400.

Routes build file paths from their parts (a run's folder, a media file, a file of the web UI). A part
longer than a file name may be made the operating system refuse with ENAMETOOLONG, and a NUL byte
makes Python refuse the path; both would surface as a 500 deep inside a route. No id the app hands out
and no file it serves comes near these limits, so they are refused here, for /api and the UI alike.
"""

from __future__ import annotations

from flask import Flask, Response, request

from server.api.errors import error_response
from server.i18n.translator import Translator
from server.settings.store import SettingsStore

# The longest file name that Linux, macOS and Windows accept (bytes in UTF-8 on Linux).
MAX_PATH_PART_BYTES = 255


def path_problem(path: str) -> str | None:
    """The message code for a path no route can serve, or None when it is fine."""
    for part in path.split("/"):
        if len(part.encode("utf-8", errors="surrogatepass")) > MAX_PATH_PART_BYTES:
            return "path_part_too_long"
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in part):
            return "path_part_invalid"
    return None


def install_path_checks(app: Flask, translator: Translator, settings: SettingsStore) -> None:
    @app.before_request
    def _check_path() -> tuple[Response, int] | None:
        code = path_problem(request.path)
        if code is None:
            return None
        return error_response(translator, settings, code, 400, {"max": MAX_PATH_PART_BYTES})
