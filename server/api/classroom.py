"""The teacher's classroom endpoints (app listener only, launch credential): open and close a class,
the dashboard and its live stream, and the teacher's controls over the class."""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.api.contract import answer
from server.api.request_body import parse_body
from server.classroom.classroom import ClassOptions, Classroom, OpenClass
from server.classroom.lan_addresses import default_address, lan_addresses
from server.classroom.qr_code import qr_svg
from server.classroom.views import (
    ClassClosed,
    ClassCloseRequest,
    ClassOpenRequest,
    ClassroomDefaults,
    ClassroomPolicyView,
    ClassroomStatus,
    ClassView,
)
from server.settings.store import SettingsStore


def classroom_blueprint(classroom: Classroom, settings: SettingsStore) -> Blueprint:
    bp = Blueprint("classroom", __name__)

    @bp.get("/api/classroom")
    def status() -> tuple[Response, int]:
        policy = settings.policy
        remembered = settings.current.classroom
        addresses = lan_addresses()
        open_class = classroom.current
        return answer(
            ClassroomStatus(
                policy=ClassroomPolicyView(allowed=policy.classroom_allowed, fixed=policy.classroom_fixed()),
                addresses=addresses,
                defaults=ClassroomDefaults(
                    address=default_address(remembered.address, addresses),
                    port=remembered.port,
                    per_student_limit=remembered.per_student_limit,
                ),
                open_class=None if open_class is None else class_view(open_class),
            )
        )

    @bp.post("/api/classroom")
    def open_class() -> tuple[Response, int]:
        body = parse_body(ClassOpenRequest)
        settings.check_teacher_pin(body.pin)
        opened = classroom.open(
            ClassOptions(
                address=body.address,
                port=body.port,
                attitude_ids=tuple(body.attitude_ids),
                output_ids=tuple(body.output_ids),
                safety_level=body.safety_level,
                per_student_limit=body.per_student_limit,
            )
        )
        return answer(class_view(opened), 201)

    @bp.delete("/api/classroom")
    def close_class() -> tuple[Response, int]:
        body = parse_body(ClassCloseRequest) if request.content_length else ClassCloseRequest()
        settings.check_teacher_pin(body.pin)
        was_open = classroom.current is not None
        classroom.close()
        return answer(ClassClosed(closed=was_open))

    @bp.delete("/api/classroom/students/<student_id>")
    def remove_student(student_id: str) -> tuple[Response, int]:
        classroom.remove_student(student_id)
        return answer(ClassClosed(closed=False))

    return bp


def class_view(open_class: OpenClass) -> ClassView:
    options = open_class.options
    return ClassView(
        id=open_class.id,
        code=open_class.code,
        join_url=open_class.join_url,
        qr_svg=qr_svg(open_class.join_url),
        opened_at=open_class.opened_at,
        address=options.address,
        port=options.port,
        attitude_ids=list(options.attitude_ids),
        output_ids=list(options.output_ids),
        safety_level=options.safety_level,
        per_student_limit=options.per_student_limit,
        paused=open_class.paused,
        teacher_first=open_class.teacher_first,
        projected_run_id=open_class.projected_run_id,
    )
