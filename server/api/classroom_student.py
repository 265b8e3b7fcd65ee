"""The students' own endpoints on the LAN listener: join the class, and who am I."""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.api.contract import answer
from server.api.errors import error_response
from server.api.messages import LocalizedMessages
from server.api.principal import current_owner
from server.api.request_body import parse_body
from server.classroom.classroom import Classroom, OpenClass
from server.classroom.owner import RunOwner
from server.classroom.student_cookie import COOKIE_NAME
from server.classroom.views import JoinRequest, StudentMe


def classroom_student_blueprint(classroom: Classroom, messages: LocalizedMessages) -> Blueprint:
    bp = Blueprint("class_student", __name__)

    @bp.post("/api/class/join")
    def join() -> tuple[Response, int]:
        body = parse_body(JoinRequest)
        owner, cookie = classroom.join(body.code, body.nickname, request.remote_addr or "unknown")
        open_class = classroom.current
        if open_class is None:
            return error_response(messages, "class_login_invalid", 401)
        response, status = answer(_me(owner, open_class))
        # Plain HTTP on the school network, so not Secure (docs/classroom.md); HttpOnly keeps it from
        # scripts, Strict from other sites; no Max-Age: it ends with the browser session anyway.
        response.set_cookie(COOKIE_NAME, cookie, httponly=True, samesite="Strict", path="/")
        return response, status

    @bp.get("/api/class/me")
    def me() -> tuple[Response, int]:
        owner, open_class = current_owner(), classroom.current
        if owner is None or open_class is None:
            return error_response(messages, "class_login_invalid", 401)
        return answer(_me(owner, open_class))

    return bp


def _me(owner: RunOwner, open_class: OpenClass) -> StudentMe:
    options = open_class.options
    return StudentMe(
        student_id=owner.student_id,
        nickname=owner.nickname,
        class_id=owner.class_id,
        safety_level=options.safety_level,
        attitude_ids=list(options.attitude_ids),
        output_ids=list(options.output_ids),
        per_student_limit=options.per_student_limit,
    )
