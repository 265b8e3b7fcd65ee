"""The task and context texts of the LLM safety check, per level and stage.

The texts are data, in configs/safety/llm_check.json.

The check is a 3-part prompt like every LLM step: Task (judge, answer with the JSON verdict), Context
(what is suitable at this level and stage), Input (the text). The pipeline builds the messages;
this module only holds the first two parts.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from server.config_file import ConfigFileError, read_config_file
from server.settings.safety_level import SafetyLevel


class CheckStage(StrEnum):
    INPUT = "input"  # stage 1: the student's idea, before interception
    INTERCEPTION_OUTPUT = "interception_output"  # the LLM's interception text, before it is final
    PRE_OUTPUT = "pre_output"  # stage 3: the English prompt, before generation

    @property
    def instruction_stage(self) -> CheckStage:
        """Whose check texts apply: the interception's result is judged like an idea (a text that
        will be shown and may become a prompt), so it needs no texts of its own."""
        return CheckStage.INPUT if self is CheckStage.INTERCEPTION_OUTPUT else self


_STAGES_WITH_TEXTS = (CheckStage.INPUT, CheckStage.PRE_OUTPUT)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckText(_Strict):
    de: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]


class CheckInstruction(_Strict):
    task: CheckText
    context: CheckText


class LlmCheckFile(_Strict):
    description: str = ""
    checks: dict[SafetyLevel, dict[CheckStage, CheckInstruction]]

    @model_validator(mode="after")
    def _every_checked_level_and_stage(self) -> LlmCheckFile:
        wanted = {level for level in SafetyLevel if level.runs_llm_check}
        missing = sorted(level.value for level in wanted - self.checks.keys())
        extra = sorted(level.value for level in self.checks.keys() - wanted)
        if missing:
            raise ValueError(f"no check texts for the level(s) {', '.join(missing)}")
        if extra:
            raise ValueError(f"the level(s) {', '.join(extra)} run no LLM check; remove their texts")
        for level, stages in self.checks.items():
            absent = sorted(stage.value for stage in _STAGES_WITH_TEXTS if stage not in stages)
            if absent:
                raise ValueError(f"level '{level.value}' has no texts for the stage(s) {', '.join(absent)}")
        return self


class CheckPrompt(_Strict):
    task: str
    context: str


class CheckInstructionsError(ConfigFileError):
    """configs/safety/llm_check.json is missing or broken; the message names file and field."""


class LlmCheckInstructions:
    """Loaded once; `prompt` gives the Task and Context for one check."""

    def __init__(self, texts: LlmCheckFile) -> None:
        self._texts = texts

    @classmethod
    def from_file(cls, path: Path) -> LlmCheckInstructions:
        return cls(read_config_file(path, LlmCheckFile, CheckInstructionsError))

    def prompt(self, level: SafetyLevel, stage: CheckStage, language: Literal["de", "en"]) -> CheckPrompt:
        if not level.runs_llm_check:
            raise ValueError(f"the level '{level.value}' runs no LLM safety check")
        instruction = self._texts.checks[level][stage.instruction_stage]
        if language == "de":
            return CheckPrompt(task=instruction.task.de, context=instruction.context.de)
        return CheckPrompt(task=instruction.task.en, context=instruction.context.en)
