"""/api/attitudes: the attitude editor's create, read, edit, duplicate, delete, export and import.

Every change needs the teacher PIN once one is set; shipped and school attitudes are read-only.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from pydantic import ValidationError

from server.api.answers import Deleted
from server.api.contract import answer
from server.api.input_errors import invalid_input
from server.api.query import parse_query
from server.api.request_body import parse_body
from server.catalog.attitude_requests import (
    AttitudeDetail,
    AttitudeExportQuery,
    AttitudeImport,
    AttitudeList,
    AttitudePin,
    AttitudeSave,
)
from server.catalog.live_interceptions import AttitudeOrigin
from server.catalog.models import InterceptionConfig, LocalizedText
from server.catalog.teacher_attitudes import AttitudeBundle, TeacherAttitudes
from server.settings.store import SettingsStore


def attitudes_blueprint(attitudes: TeacherAttitudes, settings: SettingsStore) -> Blueprint:
    bp = Blueprint("attitudes", __name__)

    def detail(attitude_id: str) -> AttitudeDetail:
        config, origin = attitudes.get(attitude_id)
        return AttitudeDetail(
            id=attitude_id, origin=origin, editable=origin is AttitudeOrigin.TEACHER, attitude=config
        )

    def saved_config(save: AttitudeSave) -> InterceptionConfig:
        try:
            return save.attitude.to_config()
        except ValidationError as exc:
            raise invalid_input(exc, "body_invalid_field") from exc

    def pin_body() -> AttitudePin:
        # DELETE may come without a body: fine while no PIN is set.
        return parse_body(AttitudePin) if request.content_length else AttitudePin()

    @bp.get("/api/attitudes")
    def listing() -> tuple[Response, int]:
        return answer(AttitudeList(attitudes=[detail(key) for key in attitudes.ids()]))

    @bp.get("/api/attitudes/<attitude_id>")
    def read(attitude_id: str) -> tuple[Response, int]:
        return answer(detail(attitude_id))

    @bp.post("/api/attitudes")
    def create() -> tuple[Response, int]:
        save = parse_body(AttitudeSave)
        settings.check_teacher_pin(save.pin)
        return answer(detail(attitudes.create(saved_config(save))), 201)

    @bp.put("/api/attitudes/<attitude_id>")
    def update(attitude_id: str) -> tuple[Response, int]:
        save = parse_body(AttitudeSave)
        settings.check_teacher_pin(save.pin)
        attitudes.update(attitude_id, saved_config(save))
        return answer(detail(attitude_id))

    @bp.post("/api/attitudes/<attitude_id>/duplicate")
    def duplicate(attitude_id: str) -> tuple[Response, int]:
        settings.check_teacher_pin(pin_body().pin)
        original, _ = attitudes.get(attitude_id)
        copy = original.model_copy(
            update={
                "name": LocalizedText(de=f"{original.name.de} (Kopie)", en=f"{original.name.en} (copy)"),
                "order": max(original.order, 1000),
            }
        )
        return answer(detail(attitudes.create(copy, f"{attitude_id}_copy")), 201)

    @bp.delete("/api/attitudes/<attitude_id>")
    def delete(attitude_id: str) -> tuple[Response, int]:
        settings.check_teacher_pin(pin_body().pin)
        attitudes.delete(attitude_id)
        return answer(Deleted(deleted=attitude_id))

    @bp.get("/api/attitudes/export")
    def export() -> Response:
        """A download (not a contract answer): the .json file a colleague imports."""
        ids = [key.strip() for key in parse_query(AttitudeExportQuery).ids.split(",") if key.strip()]
        bundle = attitudes.export(ids)
        text = json.dumps(bundle.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
        name = ids[0] if len(ids) == 1 else "attitudes"
        response = Response(text, mimetype="application/json")
        response.headers["Content-Disposition"] = f'attachment; filename="ai4artsed-{name}.json"'
        return response

    @bp.post("/api/attitudes/import/preview")
    def preview() -> tuple[Response, int]:
        return answer(attitudes.preview_import(parse_body(AttitudeBundle)))

    @bp.post("/api/attitudes/import")
    def import_() -> tuple[Response, int]:
        body = parse_body(AttitudeImport)
        settings.check_teacher_pin(body.pin)
        return answer(attitudes.import_bundle(body.bundle), 201)

    return bp
