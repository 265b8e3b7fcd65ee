"""POST /api/instance/focus: a second start of the app asks this one to show its window."""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.api.answers import WindowShown
from server.api.contract import answer
from server.errors import AppError, ErrorKind
from server.window_focus import FOCUS_HEADER, FOCUS_PATH, WindowFocus


def instance_blueprint(focus: WindowFocus) -> Blueprint:
    bp = Blueprint("instance", __name__)

    @bp.post(FOCUS_PATH)
    def bring_to_front() -> tuple[Response, int]:
        # Outside the launch token (the second start cannot know it): the focus secret stands in.
        if not focus.secret_matches(request.headers.get(FOCUS_HEADER)):
            raise AppError("forbidden", ErrorKind.FORBIDDEN)
        return answer(WindowShown(window_shown=focus.request()))

    return bp
