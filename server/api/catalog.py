"""The catalog as the UI needs it: attitudes by category, outputs by media type, problems."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from server.api.language import request_language
from server.catalog.models import InterceptionCategory
from server.services import Services


def catalog_blueprint(services: Services) -> Blueprint:
    bp = Blueprint("catalog", __name__)
    catalog = services.catalog

    @bp.get("/api/catalog/interceptions")
    def interceptions() -> Response:
        categories = []
        for category in InterceptionCategory:
            members = sorted(
                ((cid, c) for cid, c in catalog.interceptions.items() if c.category is category),
                key=lambda item: (item[1].order, item[0]),
            )
            if not members:
                continue
            categories.append(
                {
                    "id": category.value,
                    "interceptions": [
                        {
                            "id": cid,
                            "name": config.name.model_dump(),
                            "description": config.description.model_dump(),
                            "context": config.context.model_dump(),
                            "kind": config.kind.value,
                            "icon": config.icon,
                            "color": config.color,
                            "order": config.order,
                            "min_age": config.audience.min_age,
                        }
                        for cid, config in members
                    ],
                }
            )
        return jsonify({"categories": categories})

    @bp.get("/api/catalog/outputs")
    def outputs() -> Response:
        language = request_language(services.settings)
        groups = []
        for type_id, media_type in sorted(catalog.media_types.items(), key=lambda item: item[1].order):
            members = sorted(
                ((oid, o) for oid, o in catalog.outputs.items() if o.media_type == type_id),
                key=lambda item: (item[1].order, item[0]),
            )
            entries = []
            for oid, output in members:
                reasons = services.availability.reasons(output)
                entries.append(
                    {
                        "id": oid,
                        "name": output.name.model_dump(),
                        "description": output.description.model_dump(),
                        "backend": output.backend.value,
                        "media_type": output.media_type,
                        "defaults": output.defaults.model_dump(mode="json", exclude_none=True),
                        "models": output.models,
                        "vram_gb": output.vram_gb,
                        "min_age": output.audience.min_age,
                        "selftest": output.selftest,
                        "available": not reasons,
                        "reasons": [
                            {
                                "code": reason.code,
                                "message": services.translator.translate(
                                    reason.code, language, reason.params
                                ),
                                "fix_page": reason.fix_page,
                            }
                            for reason in reasons
                        ],
                    }
                )
            groups.append(
                {
                    "id": type_id,
                    "name": media_type.name.model_dump(),
                    "player": media_type.player,
                    "outputs": entries,
                }
            )
        return jsonify({"media_types": groups})

    @bp.get("/api/catalog/problems")
    def problems() -> Response:
        language = request_language(services.settings)
        return jsonify(
            {
                "problems": [
                    {
                        "file": problem.file,
                        "field": problem.field,
                        "code": problem.code.value,
                        "message": services.translator.translate(
                            problem.code.value, language, {"field": problem.field or "", **problem.params}
                        ),
                    }
                    for problem in catalog.problems
                ]
            }
        )

    return bp
