"""Which checker the safety stage has, and whether it is good enough to ask for every text.

Three kinds: a dedicated guard model (Llama Guard 3, Qwen3Guard: its own answer format), a general
LLM marked ``safety_classifier`` in configs/models.json (answers our JSON verdict), or any other
model (test grade or unknown: the term lists carry the protection, the LLM only settles what the
lists call "needs review"). The model is recognised by its manifest entry (the built-in engine's
GGUF file name) or, on another provider, by a part of its name (configs/safety/guard_models.json).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from server.catalog.models import ModelFile
from server.llm.bundled_model import SMOLLM2_MODEL_ID
from server.pipeline.safety.guard_formats import GuardFormat, GuardModels
from server.settings.models import ProviderChoice

_TEST_GRADE_FILES = frozenset({"SmolLM2-135M-Instruct.Q4_1.gguf".casefold()})


@dataclass(frozen=True)
class SafetyChecker:
    provider_id: str
    model: str
    guard: GuardFormat | None  # None: answers our JSON verdict
    capable: bool  # asked for every text at kids and youth
    test_grade: bool  # the bundled tiny model: its verdicts are not worth much

    @property
    def kind(self) -> str:
        """For the run record and the diagnostics file."""
        if self.guard is not None:
            return self.guard.value
        return "json_verdict_capable" if self.capable else "json_verdict"


def describe_checker(
    choice: ProviderChoice, models: Iterable[ModelFile], guards: GuardModels | None
) -> SafetyChecker:
    entry = _manifest_entry(choice, models)
    guard: GuardFormat | None = None
    if entry is not None and entry.guard_format is not None:
        guard = GuardFormat(entry.guard_format)
    elif guards is not None:
        guard = guards.format_for_name(choice.model)
    capable = guard is not None or (entry is not None and entry.safety_classifier)
    test_grade = choice.model == SMOLLM2_MODEL_ID or choice.model.casefold() in _TEST_GRADE_FILES
    return SafetyChecker(choice.provider_id, choice.model, guard, capable and not test_grade, test_grade)


def _manifest_entry(choice: ProviderChoice, models: Iterable[ModelFile]) -> ModelFile | None:
    if choice.provider_id != "builtin":
        return None  # another provider's model name says nothing certain about which file it is
    folded = choice.model.casefold()
    for model in models:
        if model.filename.casefold() == folded:
            return model
    return None
