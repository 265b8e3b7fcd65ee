"""The run record: every step from the idea to the media, so a class can see what the machine did.

Messages are stored as codes + params (language-neutral) and rendered when the record is shown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RunStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"
    INCOMPLETE = "incomplete"  # the app stopped while a step was running


class ErrorRecord(Record):
    code: str
    params: dict[str, object] = {}


class PromptMessage(Record):
    role: Literal["system", "user", "assistant"]
    content: str


class LlmCallRecord(Record):
    """One request to an LLM provider: what was sent (structured) and what came back."""

    provider: str
    model: str
    parameters: dict[str, float | int] = {}
    task: str
    context: str
    input: str
    messages: list[PromptMessage] = []
    output: str = ""
    started_at: datetime = Field(default_factory=utc_now)
    duration_ms: int | None = None
    error: ErrorRecord | None = None


class TermHitRecord(Record):
    term: str
    list_id: str
    category: str


class SafetyVerdictRecord(Record):
    stage: Literal["input", "pre_output"]
    level: str
    decision: Literal["allowed", "blocked"]
    category: str | None = None
    term_hits: list[TermHitRecord] = []
    llm_checked: bool = False
    llm_reason: str | None = None
    llm_call: LlmCallRecord | None = None
    # Why the check itself could not decide ("unavailable", "unclear"); the run stopped to be careful.
    check_failure: str | None = None
    explanation_code: str | None = None
    at: datetime = Field(default_factory=utc_now)


class TelephoneRoundRecord(Record):
    language: str
    text: str


class InterceptionRecord(Record):
    config_id: str
    kind: str
    input: str
    rules: str
    # The student changed the attitude's rules in the rules box.
    rules_edited: bool = False
    output: str = ""
    rounds: list[TelephoneRoundRecord] = []
    llm_calls: list[LlmCallRecord] = []
    finished: bool = False


class OptimizationRecord(Record):
    output_id: str
    input: str
    # The student changed the interception's text before asking for the optimization.
    input_edited: bool = False
    instruction: str | None
    applied: bool
    output: str = ""
    llm_call: LlmCallRecord | None = None
    finished: bool = False


class MediaFileRecord(Record):
    name: str
    media_type: str
    mime_type: str
    size: int
    sha256: str


class TranslationRecord(Record):
    source_text: str
    english: str
    applied: bool
    llm_call: LlmCallRecord | None = None


class GenerationRecord(Record):
    id: str
    output_id: str
    text: str
    translation: TranslationRecord | None = None
    negative_prompt: str = ""
    seed: int | None = None
    parameters: dict[str, object] = {}
    backend: str
    request: dict[str, object] | None = None  # the exact workflow or API request sent
    prompt_id: str | None = None
    # The ComfyUI machine of the pool that made it (its name in the settings, or "local").
    machine: str | None = None
    status: RunStatus = RunStatus.IN_PROGRESS
    media: list[MediaFileRecord] = []
    started_at: datetime = Field(default_factory=utc_now)
    finished_at: datetime | None = None
    error: ErrorRecord | None = None


class RunRecord(Record):
    schema_version: Literal[1] = 1
    id: str
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    status: RunStatus = RunStatus.IN_PROGRESS
    language: Literal["de", "en"]
    safety_level: str
    idea: str
    interception: InterceptionRecord | None = None
    optimizations: list[OptimizationRecord] = []
    generations: list[GenerationRecord] = []
    safety: list[SafetyVerdictRecord] = []
    error: ErrorRecord | None = None

    def media_file(self, name: str) -> MediaFileRecord | None:
        for generation in self.generations:
            for item in generation.media:
                if item.name == name:
                    return item
        return None

    def latest_media(self, media_type: str) -> MediaFileRecord | None:
        for generation in reversed(self.generations):
            for item in generation.media:
                if item.media_type == media_type:
                    return item
        return None
