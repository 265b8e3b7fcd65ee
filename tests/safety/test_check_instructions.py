"""The LLM check's task and context texts (configs/safety/llm_check.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.check_instructions import (
    CheckInstructionsError,
    CheckStage,
    LlmCheckInstructions,
)
from server.settings.safety_level import SafetyLevel


@pytest.fixture(scope="module")
def instructions(safety_config: Path) -> LlmCheckInstructions:
    return LlmCheckInstructions.from_file(safety_config / "llm_check.json")


@pytest.mark.parametrize("level", [SafetyLevel.KIDS, SafetyLevel.YOUTH])
@pytest.mark.parametrize("stage", list(CheckStage))
@pytest.mark.parametrize("language", ["de", "en"])
def test_every_check_names_the_exact_verdict_format(
    instructions: LlmCheckInstructions, level: SafetyLevel, stage: CheckStage, language: str
) -> None:
    assert language in ("de", "en")
    prompt = instructions.prompt(level, stage, "de" if language == "de" else "en")
    for category in SafetyCategory:
        assert category.value in prompt.task, f"{category.value} missing in {level}/{stage}/{language}"
    assert '"safe": true, "category": null' in prompt.task
    assert '"safe": false, "category": "<category>"' in prompt.task
    age = f"{level.min_age}"
    assert age in prompt.context


def test_contexts_differ_by_level_and_language(instructions: LlmCheckInstructions) -> None:
    kids = instructions.prompt(SafetyLevel.KIDS, CheckStage.INPUT, "en")
    youth = instructions.prompt(SafetyLevel.YOUTH, CheckStage.INPUT, "en")
    german = instructions.prompt(SafetyLevel.KIDS, CheckStage.INPUT, "de")
    assert kids.context != youth.context
    assert kids.context != german.context
    youth_pre = instructions.prompt(SafetyLevel.YOUTH, CheckStage.PRE_OUTPUT, "en")
    assert "no nudity" in youth_pre.context
    assert youth_pre.task != youth.task


def test_levels_without_a_check_have_no_texts(instructions: LlmCheckInstructions) -> None:
    with pytest.raises(ValueError, match="runs no LLM safety check"):
        instructions.prompt(SafetyLevel.ADULT, CheckStage.INPUT, "en")


def test_missing_stage_or_unknown_field_is_reported(tmp_path: Path, safety_config: Path) -> None:
    data = json.loads((safety_config / "llm_check.json").read_text(encoding="utf-8"))
    del data["checks"]["youth"]["pre_output"]
    path = tmp_path / "llm_check.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CheckInstructionsError, match="level 'youth' has no texts for the stage"):
        LlmCheckInstructions.from_file(path)
    data = json.loads((safety_config / "llm_check.json").read_text(encoding="utf-8"))
    data["checks"]["kids"]["input"]["hint"] = "x"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CheckInstructionsError, match=r"llm_check.json: field 'checks.kids.input.hint'"):
        LlmCheckInstructions.from_file(path)
    data["checks"]["adult"] = data["checks"]["kids"]
    del data["checks"]["kids"]["input"]["hint"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CheckInstructionsError, match="adult run no LLM check"):
        LlmCheckInstructions.from_file(path)
