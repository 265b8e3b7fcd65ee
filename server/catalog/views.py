"""The catalog as the UI shows it: attitudes grouped by category, outputs by media type with whether
a student can use each now (and why not), and the problems found in the config files.

Texts of message codes come from the caller (``describe``): the language is the reader's, which only
the request knows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from server.catalog.availability import OutputAvailability, UnavailableReason
from server.catalog.live_interceptions import AttitudeOrigin, LiveInterceptions
from server.catalog.models import (
    InterceptionCategory,
    InterceptionKind,
    LocalizedOptionalText,
    LocalizedText,
    OutputBackend,
    OutputConfig,
    OutputDefaults,
    Recursion,
    ResultKind,
)
from server.catalog.registry import Catalog

Describe = Callable[[str, Mapping[str, object]], str]


class View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InterceptionView(View):
    id: str
    name: LocalizedText
    description: LocalizedText
    # The rules text; empty for "Your call", where the student writes the rules.
    context: LocalizedOptionalText
    kind: InterceptionKind
    icon: str
    color: str
    order: int
    min_age: int
    # Shipped with the app, from the school's folder, or the teacher's own (marked in the catalog).
    origin: AttitudeOrigin
    # "text": the interception text is the result (no image).
    result: ResultKind
    # The Telephone game's rounds, language pool and end language.
    recursion: Recursion | None


class InterceptionCategoryView(View):
    id: InterceptionCategory
    interceptions: list[InterceptionView]


class InterceptionCatalogView(View):
    categories: list[InterceptionCategoryView]


class UnavailableReasonView(View):
    code: str
    message: str
    # The page that lets a teacher fix it, e.g. "settings" or "models".
    fix_page: str | None


class OutputView(View):
    id: str
    name: LocalizedText
    description: LocalizedText
    backend: OutputBackend
    media_type: str
    defaults: OutputDefaults
    models: list[str]
    vram_gb: float
    min_age: int
    selftest: bool
    available: bool
    reasons: list[UnavailableReasonView]
    # With several ComfyUI machines: on how many ready ones it can run now, of how many in use.
    machines: OutputMachinesView | None = None


class OutputMachinesView(View):
    ready: int
    total: int


# On how many ready ComfyUI machines an output can run, of how many (None: one machine or cloud).
OutputPlaces = Callable[[OutputConfig], tuple[int, int] | None]


class MediaTypeGroupView(View):
    id: str
    name: LocalizedText
    player: Literal["image", "audio", "video"]
    outputs: list[OutputView]


class OutputCatalogView(View):
    media_types: list[MediaTypeGroupView]


class CatalogProblemView(View):
    # Relative to the app's folder, e.g. "configs/interception/dada.json".
    file: str
    # Dotted path of the field, or null when the whole file is unreadable.
    field: str | None
    code: str
    message: str


class CatalogProblemsView(View):
    problems: list[CatalogProblemView]


def described_reasons(reasons: list[UnavailableReason], describe: Describe) -> list[UnavailableReasonView]:
    return [
        UnavailableReasonView(
            code=reason.code, message=describe(reason.code, reason.params), fix_page=reason.fix_page
        )
        for reason in reasons
    ]


def interception_catalog(catalog: Catalog) -> InterceptionCatalogView:
    """Categories in their fixed order, each with its attitudes by ``order``; empty categories left out."""
    categories = []
    interceptions = (
        catalog.interceptions.snapshot()[0]
        if isinstance(catalog.interceptions, LiveInterceptions)
        else catalog.interceptions
    )
    for category in InterceptionCategory:
        members = sorted(
            ((cid, c) for cid, c in interceptions.items() if c.category is category),
            key=lambda item: (item[1].order, item[0]),
        )
        if not members:
            continue
        categories.append(
            InterceptionCategoryView(
                id=category,
                interceptions=[
                    InterceptionView(
                        id=cid,
                        name=config.name,
                        description=config.description,
                        context=config.context,
                        kind=config.kind,
                        icon=config.icon,
                        color=config.color,
                        order=config.order,
                        min_age=config.audience.min_age,
                        origin=catalog.interception_origin(cid),
                        result=config.result,
                        recursion=config.recursion,
                    )
                    for cid, config in members
                ],
            )
        )
    return InterceptionCatalogView(categories=categories)


def output_catalog(
    catalog: Catalog,
    availability: OutputAvailability,
    describe: Describe,
    places: OutputPlaces | None = None,
    keep: Callable[[str], bool] | None = None,
) -> OutputCatalogView:
    """Media types by ``order``, each with its outputs by ``order`` and whether each can be used now.

    ``keep``: only these outputs (a class's choice), and only their media types. They are chosen before
    the availability check, which looks at model files and every ComfyUI machine: a class of 30 asks
    at once, and none of them may wait for outputs they never see.
    """
    groups = []
    for type_id, media_type in sorted(catalog.media_types.items(), key=lambda item: item[1].order):
        members = sorted(
            (
                (oid, o)
                for oid, o in catalog.outputs.items()
                if o.media_type == type_id and (keep is None or keep(oid))
            ),
            key=lambda item: (item[1].order, item[0]),
        )
        if keep is not None and not members:
            continue
        entries = []
        for oid, output in members:
            reasons = availability.reasons(output)
            where = places(output) if places is not None else None
            entries.append(
                OutputView(
                    id=oid,
                    name=output.name,
                    description=output.description,
                    backend=output.backend,
                    media_type=output.media_type,
                    defaults=output.defaults,
                    models=list(output.models),
                    vram_gb=output.vram_gb,
                    min_age=output.audience.min_age,
                    selftest=output.selftest,
                    available=not reasons,
                    reasons=described_reasons(reasons, describe),
                    machines=OutputMachinesView(ready=where[0], total=where[1]) if where else None,
                )
            )
        groups.append(
            MediaTypeGroupView(id=type_id, name=media_type.name, player=media_type.player, outputs=entries)
        )
    return OutputCatalogView(media_types=groups)


def catalog_problems(catalog: Catalog, describe: Describe) -> CatalogProblemsView:
    return CatalogProblemsView(
        problems=[
            CatalogProblemView(
                file=problem.file,
                field=problem.field,
                code=problem.code.value,
                message=describe(problem.code.value, {"field": problem.field or "", **problem.params}),
            )
            for problem in catalog.problems
        ]
    )
