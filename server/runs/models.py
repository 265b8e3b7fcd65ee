"""The run record: every step from the idea to the media, so a class can see what the machine did.

Messages are stored as codes + params (language-neutral) and rendered when the record is shown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.classroom.owner import RunOwner


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
    stage: Literal["input", "interception_output", "pre_output"]
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
    # Which checker answered: a guard format ("llama_guard_3", "qwen3guard") or our JSON verdict.
    checker: str | None = None
    # A guard model's own category names (e.g. "S1"), as it answered them.
    guard_categories: list[str] = []
    # Review words that passed only because the teacher let them through for this run (PIN).
    overridden_terms: list[str] = []
    at: datetime = Field(default_factory=utc_now)


class TeacherOverrideRecord(Record):
    """The teacher let a "needs review" block through for this run, with the PIN."""

    who: Literal["teacher PIN"] = "teacher PIN"
    at: datetime = Field(default_factory=utc_now)
    stage: str
    terms: list[str]


class TelephoneRoundRecord(Record):
    language: str
    text: str


class InterceptionRecord(Record):
    config_id: str
    # The attitude's name when the run began ({"de", "en"}): a teacher may delete the attitude later.
    # Absent in runs from before teachers could write attitudes.
    name: dict[str, str] | None = None
    kind: str
    # "text": the interception text is the run's result; "media" (older runs): it goes on to media.
    result: Literal["media", "text"] = "media"
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


class MediaCheckRecord(Record):
    """The image check's verdict on one generated file (images, and a few frames of a video)."""

    name: str  # the file's name in the run folder (a withheld file is deleted, its name stays here)
    media_type: str
    decision: Literal["shown", "withheld"]
    # Detector label -> score at or above its threshold (configs/safety/image_check.json).
    findings: dict[str, float] = {}
    frames: int = 0
    duration_ms: int = 0
    # Why the check could not judge ("model_missing", "unreadable"): withheld to be careful.
    check_failure: str | None = None
    at: datetime = Field(default_factory=utc_now)


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
    # Every image check of this generation, shown and withheld (old runs have none).
    media_checks: list[MediaCheckRecord] = []
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
    # Made by the settings' "Test ComfyUI" picture (absent in older records: a student's run).
    self_test: bool = False
    # A student's run in classroom mode (absent: the app's own user made it).
    owner: RunOwner | None = None
    # The teacher hid this result from the student and the projector (it stays in the teacher's gallery).
    hidden_from_class: bool = False
    interception: InterceptionRecord | None = None
    optimizations: list[OptimizationRecord] = []
    generations: list[GenerationRecord] = []
    safety: list[SafetyVerdictRecord] = []
    teacher_overrides: list[TeacherOverrideRecord] = []
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
