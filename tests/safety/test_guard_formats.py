"""Guard models' native answers (Llama Guard 3, Qwen3Guard-Gen), their categories mapped to ours, and
which configured model counts as a capable checker."""

from __future__ import annotations

import pytest

from server.catalog.loader import CatalogLoader
from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.checker import describe_checker
from server.pipeline.safety.guard_formats import GuardFormat, GuardModels, GuardParseError
from server.resources import Resources
from server.settings.models import ProviderChoice

RESOURCES = Resources.locate()
GUARDS = GuardModels.from_file(RESOURCES.app_configs / "safety" / "guard_models.json")
MODELS = list(CatalogLoader(RESOURCES.app_root).load().models.values())


@pytest.mark.parametrize(
    ("answer", "safe", "categories", "category"),
    [
        ("safe", True, [], None),
        ("  safe\n", True, [], None),
        ("unsafe\nS1", False, ["S1"], SafetyCategory.VIOLENCE),
        ("unsafe\nS12,S1", False, ["S12", "S1"], SafetyCategory.SEXUAL),
        ("unsafe\nS11", False, ["S11"], SafetyCategory.SELF_HARM),
        ("unsafe\nS10", False, ["S10"], SafetyCategory.HATE),
        ("unsafe\nS14", False, ["S14"], SafetyCategory.OTHER),
        ("unsafe", False, [], SafetyCategory.OTHER),
    ],
)
def test_llama_guard_answers(
    answer: str, safe: bool, categories: list[str], category: SafetyCategory | None
) -> None:
    verdict = GUARDS.parse(GuardFormat.LLAMA_GUARD_3, answer)
    assert (verdict.safe, verdict.categories, verdict.category) == (safe, categories, category)


@pytest.mark.parametrize(
    "answer",
    ["", "Safe.", "safe\nS1", "unsafe\nS15", "unsafe\nviolence", "I think it is safe", "x" * 600],
)
def test_llama_guard_non_answers_are_errors_not_guesses(answer: str) -> None:
    with pytest.raises(GuardParseError):
        GUARDS.parse(GuardFormat.LLAMA_GUARD_3, answer)


@pytest.mark.parametrize(
    ("answer", "safe", "category", "controversial"),
    [
        ("Safety: Safe\nCategories: None", True, None, False),
        ("Safety: Unsafe\nCategories: Violent", False, SafetyCategory.VIOLENCE, False),
        ("Safety: Unsafe\nCategories: Sexual Content or Sexual Acts", False, SafetyCategory.SEXUAL, False),
        ("Safety: Controversial\nCategories: Suicide & Self-Harm", False, SafetyCategory.SELF_HARM, True),
        ("Safety: Unsafe\nCategories: Jailbreak", False, SafetyCategory.OTHER, False),
    ],
)
def test_qwen3guard_answers(
    answer: str, safe: bool, category: SafetyCategory | None, controversial: bool
) -> None:
    verdict = GUARDS.parse(GuardFormat.QWEN3GUARD, answer)
    assert (verdict.safe, verdict.category, verdict.controversial) == (safe, category, controversial)


@pytest.mark.parametrize("answer", ["", "Looks fine", "Safety: Maybe\nCategories: None"])
def test_qwen3guard_non_answers_are_errors(answer: str) -> None:
    with pytest.raises(GuardParseError):
        GUARDS.parse(GuardFormat.QWEN3GUARD, answer)


@pytest.mark.parametrize(
    ("provider", "model", "guard", "capable", "test_grade"),
    [
        ("builtin", "Llama-Guard-3-1B.Q4_K_M.gguf", GuardFormat.LLAMA_GUARD_3, True, False),
        ("builtin", "Qwen3Guard-Gen-0.6B.Q4_K_M.gguf", GuardFormat.QWEN3GUARD, True, False),
        ("builtin", "Qwen2.5-7B-Instruct-Q4_K_M.gguf", None, True, False),
        ("builtin", "Llama-3.2-3B-Instruct-Q4_K_M.gguf", None, False, False),
        ("builtin", "smollm2-135m-instruct", None, False, True),
        ("ollama", "llama-guard3:1b", GuardFormat.LLAMA_GUARD_3, True, False),
        ("custom", "qwen3guard-gen:0.6b", GuardFormat.QWEN3GUARD, True, False),
        ("custom", "gpt-4o-mini", None, False, False),
    ],
)
def test_which_checker_is_capable(
    provider: str, model: str, guard: GuardFormat | None, capable: bool, test_grade: bool
) -> None:
    checker = describe_checker(ProviderChoice(provider_id=provider, model=model), MODELS, GUARDS)
    assert (checker.guard, checker.capable, checker.test_grade) == (guard, capable, test_grade)


def test_every_guard_model_in_the_manifest_has_a_known_format_and_a_download() -> None:
    guards = [model for model in MODELS if model.guard_format is not None]
    assert {model.guard_format for model in guards} == {fmt.value for fmt in GuardFormat}
    for model in guards:
        assert model.safety_classifier and model.folder.value == "llm" and model.url
        assert model.guard_format is not None
        assert GUARDS.format_for_name(model.filename) == GuardFormat(model.guard_format)
