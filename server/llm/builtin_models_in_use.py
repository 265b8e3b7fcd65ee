"""The built-in engine's models that the settings use, for the Models page: a model the engine runs
is on this computer too, even when it is not one of the catalog's model files (the bundled test model
ships inside the app)."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from server.llm.bundled_model import SMOLLM2_MODEL_ID
from server.settings.models import LlmStageSettings

BUILTIN_PROVIDER_ID = "builtin"


class BuiltinModelInUse(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    # The LLM stages (safety, interception, …) that use it.
    stages: list[str]
    present: bool
    # The bundled test model: fine to try things out, not for lessons.
    test_grade: bool


def builtin_models_in_use(
    stages: LlmStageSettings, present: Callable[[str], bool]
) -> list[BuiltinModelInUse]:
    used: dict[str, list[str]] = {}
    for stage, choice in stages:
        if choice.provider_id == BUILTIN_PROVIDER_ID:
            used.setdefault(choice.model, []).append(stage)
    return [
        BuiltinModelInUse(
            model=model, stages=names, present=present(model), test_grade=model == SMOLLM2_MODEL_ID
        )
        for model, names in used.items()
    ]
