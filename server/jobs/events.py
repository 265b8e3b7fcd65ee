"""What a job reports while it runs. Events are kept so a reconnecting page loses nothing."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"  # stopped by the safety check: a result, not an error

    @property
    def is_final(self) -> bool:
        return self not in (JobState.QUEUED, JobState.RUNNING)


class JobEvent(BaseModel):
    """One server-sent event. ``data`` holds language-neutral facts; messages are codes + params."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    type: str
    data: dict[str, object]
