"""Installing ComfyUI for the teacher: the plan, the install job, rollback, removal, the self-test picture.

Progress, errors and the end of an install come through the job's event stream (``/api/jobs/<id>/events``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, request

from server.api.answers import JobAccepted
from server.api.contract import answer
from server.api.request_body import parse_body
from server.comfyui_install.installer import ComfyUIInstaller
from server.comfyui_install.plan import PlanChoices
from server.comfyui_install.requests import BundleRequest, InstallActionRequest, InstallRequest


def comfyui_install_blueprint(installer: ComfyUIInstaller) -> Blueprint:
    bp = Blueprint("comfyui_install", __name__)

    @bp.get("/api/comfyui/install")
    def status() -> tuple[Response, int]:
        return answer(installer.status())

    @bp.post("/api/comfyui/install/plan")
    def plan() -> tuple[Response, int]:
        return answer(installer.plan(parse_body(PlanChoices)))

    @bp.post("/api/comfyui/install")
    def start() -> tuple[Response, int]:
        body = parse_body(InstallRequest)
        job = installer.start(body.choices, leave_offline=body.leave_offline, pin=body.pin)
        return answer(JobAccepted(job_id=job.id), 202)

    @bp.post("/api/comfyui/install/bundle")
    def bundle() -> tuple[Response, int]:
        body = parse_body(BundleRequest)
        job = installer.make_bundle(
            body.choices,
            Path(body.folder).expanduser(),
            leave_offline=body.leave_offline,
            pin=body.pin,
            model_ids=body.model_ids,
        )
        return answer(JobAccepted(job_id=job.id), 202)

    @bp.post("/api/comfyui/install/rollback")
    def rollback() -> tuple[Response, int]:
        return answer(installer.rollback(_action().pin))

    @bp.delete("/api/comfyui/install")
    def remove() -> tuple[Response, int]:
        installer.remove_all(_action().pin)
        return answer(installer.status())

    @bp.get("/api/comfyui/install/self-test-picture")
    def picture() -> Response:
        response = Response(installer.self_test_picture(), mimetype="image/png")
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp


def _action() -> InstallActionRequest:
    # Without a PIN the older body-less calls stay valid.
    return parse_body(InstallActionRequest) if request.get_data(cache=True) else InstallActionRequest()
