"""The catalog as the UI needs it: attitudes by category, outputs by media type, problems."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response

from server.api.contract import answer
from server.api.messages import LocalizedMessages
from server.api.principal import current_owner
from server.catalog.availability import OutputAvailability
from server.catalog.registry import Catalog
from server.catalog.views import (
    InterceptionCatalogView,
    OutputPlaces,
    catalog_problems,
    interception_catalog,
    output_catalog,
)
from server.classroom.owner import RunOwner

# Whether a student may use an attitude (or an output) of the catalog: the class's choice.
StudentAllows = Callable[[RunOwner, str], bool]


def catalog_blueprint(
    catalog: Catalog,
    availability: OutputAvailability,
    messages: LocalizedMessages,
    places: OutputPlaces | None = None,
    allows_attitude: StudentAllows | None = None,
    allows_output: StudentAllows | None = None,
) -> Blueprint:
    """``allows_attitude`` / ``allows_output``: a student of a class sees only what the class enables."""
    bp = Blueprint("catalog", __name__)

    @bp.get("/api/catalog/interceptions")
    def interceptions() -> tuple[Response, int]:
        view = interception_catalog(catalog)
        owner = current_owner()
        if owner is not None:
            view = _attitudes_for(view, lambda attitude_id: _allowed(allows_attitude, owner, attitude_id))
        return answer(view)

    @bp.get("/api/catalog/outputs")
    def outputs() -> tuple[Response, int]:
        language = messages.language()
        owner = current_owner()
        keep = None if owner is None else (lambda output_id: _allowed(allows_output, owner, output_id))
        return answer(
            output_catalog(
                catalog,
                availability,
                lambda code, params: messages.text(code, params, language),
                places,
                keep,
            )
        )

    @bp.get("/api/catalog/problems")
    def problems() -> tuple[Response, int]:
        language = messages.language()
        return answer(catalog_problems(catalog, lambda code, params: messages.text(code, params, language)))

    return bp


def _allowed(allows: StudentAllows | None, owner: RunOwner, item_id: str) -> bool:
    # No class rules wired: a student sees nothing rather than everything.
    return allows is not None and allows(owner, item_id)


def _attitudes_for(view: InterceptionCatalogView, keep: Callable[[str], bool]) -> InterceptionCatalogView:
    categories = [
        category.model_copy(update={"interceptions": kept})
        for category in view.categories
        if (kept := [each for each in category.interceptions if keep(each.id)])
    ]
    return view.model_copy(update={"categories": categories})
