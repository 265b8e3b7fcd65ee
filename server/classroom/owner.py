"""Who a run and its jobs belong to when a student works through the teacher's app.

A run without an owner belongs to whoever sits at the app's own window (the teacher, or anyone on a
single-user machine). A student's run carries the class and the student it belongs to, and the
nickname at the time, so the teacher's gallery can still name the student after the class closed.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RunOwner(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    class_id: str = Field(min_length=1, max_length=64)
    student_id: str = Field(min_length=1, max_length=64)
    nickname: str = Field(min_length=1, max_length=40)

    @property
    def queue_key(self) -> str:
        """The key the fair job queue schedules by (one per student and class)."""
        return f"{self.class_id}:{self.student_id}"
