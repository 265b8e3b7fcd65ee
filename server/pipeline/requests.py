"""Bodies of the pipeline's API calls (validated at the boundary, strict about unknown fields)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from server.catalog.models import Recursion
from server.catalog.seed import SeedChoice
from server.settings.models import ProviderChoice

IDEA_MAX_CHARS = 4000
TEXT_MAX_CHARS = 8000


class InterceptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    idea: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=IDEA_MAX_CHARS)]
    # Absent: the attitude's own rules in `language`; an empty string: no rules at all.
    rules: Annotated[str, StringConstraints(max_length=TEXT_MAX_CHARS)] | None = None
    language: Literal["de", "en"]
    # The Telephone game's rounds, pool and end language for this run only (teacher PIN once set).
    telephone: Recursion | None = None
    pin: Annotated[str, StringConstraints(max_length=64)] | None = None
    # The settings' "Test ComfyUI" picture: a check of the machine, not a student's work; the
    # gallery leaves it out unless asked.
    self_test: bool = False


class TeacherOverrideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: Annotated[str, StringConstraints(max_length=64)] | None = None


class OptimizationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX_CHARS)]
    output_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class GenerationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX_CHARS)]
    output_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    seed: SeedChoice | None = None


class LlmTestRequest(BaseModel):
    """`POST /api/llm/test`: a stage (its saved provider and model) or a choice not saved yet."""

    model_config = ConfigDict(extra="forbid")

    stage: Literal["safety", "interception", "optimization", "translation"] | None = None
    choice: ProviderChoice | None = None

    @model_validator(mode="after")
    def _one_of_both(self) -> LlmTestRequest:
        if (self.stage is None) == (self.choice is None):
            raise ValueError("give either a stage or a choice")
        return self
