"""What the classroom endpoints read and answer (listed in server/api/contract.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.classroom.lan_addresses import LanAddress
from server.settings.models import MAX_PER_STUDENT_LIMIT
from server.settings.safety_level import SafetyLevel

MAX_CHOICES = 200


class ClassroomPolicyView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed: bool
    # The options the lab policy fixes (address, port, per_student_limit); their values are the defaults.
    fixed: list[str]


class ClassroomDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str | None
    port: int
    per_student_limit: int


class ClassView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    code: str
    join_url: str
    qr_svg: str
    opened_at: datetime
    address: str
    port: int
    attitude_ids: list[str]
    output_ids: list[str]
    safety_level: SafetyLevel
    per_student_limit: int
    paused: bool
    teacher_first: bool
    projected_run_id: str | None


class ClassroomStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: ClassroomPolicyView
    addresses: list[LanAddress]
    defaults: ClassroomDefaults
    open_class: ClassView | None
    # The app has a window of its own, which opens the projector window (else the page opens a tab).
    projector_window: bool = False


class ClassOpenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str | None = Field(default=None, max_length=64)
    address: str = Field(min_length=1, max_length=64)
    port: int = Field(ge=1024, le=65535)
    attitude_ids: list[str] = Field(max_length=MAX_CHOICES)
    output_ids: list[str] = Field(max_length=MAX_CHOICES)
    safety_level: SafetyLevel
    per_student_limit: int = Field(ge=1, le=MAX_PER_STUDENT_LIMIT)


class ClassCloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str | None = Field(default=None, max_length=64)


class ClassClosed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closed: bool


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=32)
    nickname: str = Field(max_length=200)


class StudentMe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: str
    nickname: str
    class_id: str
    safety_level: SafetyLevel
    attitude_ids: list[str]
    output_ids: list[str]
    per_student_limit: int


StudentStep = Literal["joined", "writing", "transforming", "waiting", "generating", "done", "blocked"]


class StudentView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    nickname: str
    connected: bool
    step: StudentStep
    latest_idea: str | None
    latest_run_id: str | None
    latest_media_url: str | None


class QueueEntryView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job_id: str
    kind: str
    student_id: str | None
    nickname: str | None
    state: Literal["queued", "running"]
    position: int | None


class BlockView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    student_id: str
    nickname: str
    idea: str
    category: str | None
    at: datetime


class ClassDashboard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    students: list[StudentView]
    queue: list[QueueEntryView]
    blocks: list[BlockView]
    paused: bool
    teacher_first: bool
    projected_run_id: str | None


class QueueChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paused: bool | None = None
    teacher_first: bool | None = None


class HiddenChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: bool


class ProjectionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str | None = Field(max_length=64)
