"""A broken safety configuration never lets a text through (except in research mode)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.llm.provider_registry import ProviderRegistry
from server.notices import Notices
from server.pipeline.llm_calls import LlmCaller
from server.pipeline.safety.check_instructions import CheckStage
from server.pipeline.safety_gate import CONFIG_BROKEN_CODE, SafetyGate
from server.resources import Resources
from server.settings.safety_level import SafetyLevel
from server.settings.secrets import SecretsStore
from server.settings.store import SettingsStore


def gate_for(safety_dir: Path, tmp_path: Path) -> tuple[SafetyGate, list[str]]:
    problems: list[str] = []
    llm = LlmCaller(
        ProviderRegistry([], SecretsStore(tmp_path / "secrets.json")),
        SettingsStore(tmp_path / "settings.json", Notices()),
    )
    return SafetyGate(safety_dir, llm, on_broken=problems.append), problems


@pytest.fixture
def broken_dir(tmp_path: Path) -> Path:
    target = tmp_path / "safety"
    shutil.copytree(Resources.locate().app_configs / "safety", target)
    (target / "terms" / "kids_en.json").write_text('{"id": "kids_en", "levels": ["kids"],', encoding="utf-8")
    return target


@pytest.mark.parametrize("level", [SafetyLevel.KIDS, SafetyLevel.YOUTH, SafetyLevel.ADULT])
def test_broken_lists_block_every_text(broken_dir: Path, tmp_path: Path, level: SafetyLevel) -> None:
    gate, problems = gate_for(broken_dir, tmp_path)
    verdict = gate.check("a harmless tree", CheckStage.INPUT, level, "en", always_ask_llm=False)
    assert verdict.decision == "blocked"
    assert verdict.explanation_code == CONFIG_BROKEN_CODE
    assert problems and "kids_en.json" in problems[0]


def test_research_mode_checks_nothing_even_when_broken(broken_dir: Path, tmp_path: Path) -> None:
    gate, _ = gate_for(broken_dir, tmp_path)
    verdict = gate.check("anything", CheckStage.INPUT, SafetyLevel.RESEARCH, "en", always_ask_llm=False)
    assert verdict.decision == "allowed"


def test_the_shipped_lists_load(tmp_path: Path) -> None:
    gate, problems = gate_for(Resources.locate().app_configs / "safety", tmp_path)
    verdict = gate.check("Sieg Heil", CheckStage.PRE_OUTPUT, SafetyLevel.ADULT, "de", always_ask_llm=False)
    assert problems == []
    assert verdict.decision == "blocked" and verdict.category == "extremism_86a"
