"""The catalog as the UI needs it: attitudes by category, outputs by media type, problems."""

from __future__ import annotations

from flask import Blueprint, Response

from server.api.contract import answer
from server.api.messages import LocalizedMessages
from server.catalog.availability import OutputAvailability
from server.catalog.registry import Catalog
from server.catalog.views import OutputPlaces, catalog_problems, interception_catalog, output_catalog


def catalog_blueprint(
    catalog: Catalog,
    availability: OutputAvailability,
    messages: LocalizedMessages,
    places: OutputPlaces | None = None,
) -> Blueprint:
    bp = Blueprint("catalog", __name__)

    @bp.get("/api/catalog/interceptions")
    def interceptions() -> tuple[Response, int]:
        return answer(interception_catalog(catalog))

    @bp.get("/api/catalog/outputs")
    def outputs() -> tuple[Response, int]:
        language = messages.language()
        return answer(
            output_catalog(
                catalog, availability, lambda code, params: messages.text(code, params, language), places
            )
        )

    @bp.get("/api/catalog/problems")
    def problems() -> tuple[Response, int]:
        language = messages.language()
        return answer(catalog_problems(catalog, lambda code, params: messages.text(code, params, language)))

    return bp
