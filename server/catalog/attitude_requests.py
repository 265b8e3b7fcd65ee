"""Bodies and answers of /api/attitudes: what the attitude editor sends and gets back."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from server.catalog.live_interceptions import AttitudeOrigin
from server.catalog.models import (
    Audience,
    HexColor,
    InterceptionCategory,
    InterceptionConfig,
    InterceptionKind,
    LlmParameters,
    LocalizedOptionalText,
    LocalizedText,
    Recursion,
    ResultKind,
)
from server.catalog.teacher_attitudes import AttitudeBundle

# Teacher attitudes follow the shipped ones of their category.
TEACHER_ORDER = 1000
PinField = Annotated[str, StringConstraints(max_length=64)] | None


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttitudeDraft(Body):
    """An attitude as the editor fills it in: name and description need only one language."""

    name: LocalizedOptionalText
    description: LocalizedOptionalText
    category: InterceptionCategory
    kind: InterceptionKind = InterceptionKind.TRANSFORM
    context: LocalizedOptionalText
    icon: Annotated[str, StringConstraints(min_length=1, max_length=8)]
    color: HexColor
    min_age: int = Field(ge=6, le=99)
    parameters: LlmParameters = LlmParameters()
    recursion: Recursion | None = None
    result: ResultKind = ResultKind.MEDIA

    @model_validator(mode="after")
    def _one_language_at_least(self) -> AttitudeDraft:
        if not (self.name.de.strip() or self.name.en.strip()):
            raise ValueError("the attitude needs a name in German or English")
        return self

    def to_config(self) -> InterceptionConfig:
        """The saved form; an empty language falls back to the other one. Raises ValidationError."""
        return InterceptionConfig(
            name=_filled(self.name),
            description=_filled(self.description, fallback=_filled(self.name)),
            category=self.category,
            kind=self.kind,
            context=self.context,
            icon=self.icon,
            color=self.color,
            order=TEACHER_ORDER,
            audience=Audience(min_age=self.min_age),
            parameters=self.parameters,
            recursion=self.recursion,
            result=self.result,
        )


def _filled(text: LocalizedOptionalText, fallback: LocalizedText | None = None) -> LocalizedText:
    de, en = text.de.strip(), text.en.strip()
    if not de and not en and fallback is not None:
        return fallback
    return LocalizedText(de=de or en, en=en or de)


class AttitudeSave(Body):
    attitude: AttitudeDraft
    pin: PinField = None


class AttitudePin(Body):
    """Duplicate and delete: only the teacher PIN (none needed before one is set)."""

    pin: PinField = None


class AttitudeImport(Body):
    bundle: AttitudeBundle
    pin: PinField = None


class AttitudeDetail(Body):
    id: str
    origin: AttitudeOrigin
    # Only the teacher's own attitudes; shipped and school ones can be duplicated instead.
    editable: bool
    attitude: InterceptionConfig


class AttitudeList(Body):
    attitudes: list[AttitudeDetail]


class AttitudeExportQuery(Body):
    # Comma-separated attitude ids.
    ids: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
