"""Installing ComfyUI for the teacher: the plan, the install job, rollback, removal, the self-test picture.

Progress, errors and the end of an install come through the job's event stream (``/api/jobs/<id>/events``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field

from server.api.request_body import parse_body
from server.comfyui_install.installer import ComfyUIInstaller
from server.comfyui_install.plan import PlanChoices


class InstallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choices: PlanChoices = Field(default_factory=PlanChoices)
    # The teacher agreed to leave offline mode for exactly this install's downloads.
    leave_offline: bool = False


class BundleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field(min_length=1, max_length=4096)
    choices: PlanChoices = Field(default_factory=PlanChoices)
    leave_offline: bool = False


def comfyui_install_blueprint(installer: ComfyUIInstaller) -> Blueprint:
    bp = Blueprint("comfyui_install", __name__)

    @bp.get("/api/comfyui/install")
    def status() -> Response:
        return jsonify(installer.status())

    @bp.post("/api/comfyui/install/plan")
    def plan() -> Response:
        return jsonify(installer.plan(parse_body(PlanChoices)).model_dump(mode="json"))

    @bp.post("/api/comfyui/install")
    def start() -> tuple[Response, int]:
        body = parse_body(InstallRequest)
        job = installer.start(body.choices, leave_offline=body.leave_offline)
        return jsonify({"job_id": job.id}), 202

    @bp.post("/api/comfyui/install/bundle")
    def bundle() -> tuple[Response, int]:
        body = parse_body(BundleRequest)
        job = installer.make_bundle(
            body.choices, Path(body.folder).expanduser(), leave_offline=body.leave_offline
        )
        return jsonify({"job_id": job.id}), 202

    @bp.post("/api/comfyui/install/rollback")
    def rollback() -> Response:
        return jsonify(installer.rollback().model_dump())

    @bp.delete("/api/comfyui/install")
    def remove() -> Response:
        installer.remove_all()
        return jsonify(installer.status())

    @bp.get("/api/comfyui/install/self-test-picture")
    def picture() -> Response:
        response = Response(installer.self_test_picture(), mimetype="image/png")
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp
