"""The teacher's classroom endpoints (app listener only, launch credential): open and close a class,
the dashboard and its live stream, and the teacher's controls over the class."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, request

from server.api.answers import ProjectorWindowOpened
from server.api.contract import answer
from server.api.event_stream import Batch, Message, event_stream_response
from server.api.request_body import parse_body
from server.classroom.classroom import ClassOptions, Classroom, OpenClass
from server.classroom.dashboard import ClassDashboards
from server.classroom.lan_addresses import default_address, lan_addresses
from server.classroom.qr_code import qr_svg
from server.classroom.views import (
    ClassClosed,
    ClassCloseRequest,
    ClassDashboard,
    ClassOpenRequest,
    ClassroomDefaults,
    ClassroomPolicyView,
    ClassroomStatus,
    ClassView,
    HiddenChange,
    ProjectionChange,
    QueueChange,
)
from server.errors import AppError, ErrorKind
from server.projector_window import ProjectorWindow
from server.settings.store import SettingsStore
from server.stream_budget import StreamBudget

# How often the dashboard stream looks for changes (it sends only when something changed).
DASHBOARD_POLL_S = 1.0


def classroom_blueprint(
    classroom: Classroom,
    settings: SettingsStore,
    dashboards: ClassDashboards,
    streams: StreamBudget,
    projector: ProjectorWindow,
) -> Blueprint:
    bp = Blueprint("classroom", __name__)

    def require_dashboard() -> ClassDashboard:
        snapshot = dashboards.snapshot()
        if snapshot is None:
            raise AppError("classroom_not_open", ErrorKind.CONFLICT)
        return snapshot

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
                    # An address the lab policy fixes is the one, whether or not it is listed.
                    address=remembered.address
                    if "address" in policy.classroom_fixed()
                    else default_address(remembered.address, addresses),
                    port=remembered.port,
                    per_student_limit=remembered.per_student_limit,
                ),
                open_class=None if open_class is None else class_view(open_class),
                projector_window=projector.available,
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

    @bp.get("/api/classroom/dashboard")
    def dashboard() -> tuple[Response, int]:
        return answer(require_dashboard())

    @bp.get("/api/classroom/events")
    def events() -> Response:
        require_dashboard()
        last: list[str | None] = [None]

        def source(timeout: float) -> Batch:
            if last[0] is not None:
                time.sleep(min(timeout, DASHBOARD_POLL_S))
            snapshot = dashboards.snapshot()
            if snapshot is None:
                # The class closed: the page learns it from the stream's end.
                return Batch(last=True)
            data = snapshot.model_dump(mode="json")
            text = json.dumps(data, sort_keys=True)
            if text == last[0]:
                return Batch()
            last[0] = text
            return Batch([Message("dashboard", data)])

        return event_stream_response(source, streams)

    @bp.post("/api/classroom/queue")
    def queue() -> tuple[Response, int]:
        change = parse_body(QueueChange)
        classroom.set_queue(change.paused, change.teacher_first)
        return answer(require_dashboard())

    @bp.delete("/api/classroom/students/<student_id>")
    def remove_student(student_id: str) -> tuple[Response, int]:
        classroom.remove_student(student_id)
        return answer(require_dashboard())

    @bp.put("/api/classroom/runs/<run_id>/hidden")
    def hidden(run_id: str) -> tuple[Response, int]:
        classroom.set_hidden(run_id, parse_body(HiddenChange).hidden)
        return answer(require_dashboard())

    @bp.put("/api/classroom/projection")
    def projection() -> tuple[Response, int]:
        classroom.set_projection(parse_body(ProjectionChange).run_id)
        return answer(require_dashboard())

    @bp.post("/api/classroom/projector-window")
    def projector_window() -> tuple[Response, int]:
        return answer(ProjectorWindowOpened(opened=projector.open()))

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
