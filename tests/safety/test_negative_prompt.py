"""The negative prompt that stage 3 hands to stage 4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.pipeline.safety.negative_prompt import (
    NegativePromptError,
    NegativePrompts,
    combine_negative_prompts,
)
from server.settings.safety_level import SafetyLevel


@pytest.fixture(scope="module")
def prompts(safety_config: Path) -> NegativePrompts:
    return NegativePrompts.from_file(safety_config / "negative_prompts.json")


def test_levels_get_stricter_towards_kids(prompts: NegativePrompts) -> None:
    kids = set(prompts.base_terms(SafetyLevel.KIDS))
    youth = set(prompts.base_terms(SafetyLevel.YOUTH))
    adult = set(prompts.base_terms(SafetyLevel.ADULT))
    assert {"nsfw", "nudity", "gore", "blood", "swastika"} <= kids
    assert {"nsfw", "nudity", "gore", "swastika"} <= youth
    assert "swastika" in adult
    assert "blood" not in youth
    assert prompts.base_terms(SafetyLevel.RESEARCH) == []


def test_base_terms_come_first_and_duplicates_go(prompts: NegativePrompts) -> None:
    combined = prompts.for_level(SafetyLevel.ADULT, "blurry, Swastika, low quality", "  low   quality ,text")
    assert combined == "swastika, nazi symbol, SS runes, blurry, low quality, text"


def test_research_passes_user_prompt_through(prompts: NegativePrompts) -> None:
    assert prompts.for_level(SafetyLevel.RESEARCH, "blurry", None) == "blurry"
    assert prompts.for_level(SafetyLevel.RESEARCH) == ""


def test_combine_handles_empty_parts_and_newlines() -> None:
    assert combine_negative_prompts(None, "", "a,,b\nc", "B , d") == "a, b, c, d"


def test_broken_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "negative_prompts.json"
    path.write_text(json.dumps({"levels": {"kids": ["nsfw"], "youth": [], "adult": []}}), encoding="utf-8")
    with pytest.raises(NegativePromptError, match=r"no base terms for the level.*research"):
        NegativePrompts.from_file(path)
    path.write_text(
        json.dumps({"levels": {"kids": ["a, b"], "youth": [], "adult": [], "research": []}}), encoding="utf-8"
    )
    with pytest.raises(NegativePromptError, match=r"negative_prompts.json: field 'levels.kids.0'"):
        NegativePrompts.from_file(path)
