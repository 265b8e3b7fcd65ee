"""Which runs a student may see: their own in this class, and not those the teacher hid.

The app's own user (owner None) sees every run. A run a student may not see answers exactly like a
run that does not exist, so a student cannot even learn that another student's run id is real.
"""

from __future__ import annotations

from server.classroom.owner import RunOwner
from server.errors import AppError, ErrorKind
from server.runs.models import RunRecord


def belongs_to(record: RunRecord, owner: RunOwner) -> bool:
    mine = record.owner
    return mine is not None and (mine.class_id, mine.student_id) == (owner.class_id, owner.student_id)


def visible_to(record: RunRecord, owner: RunOwner | None) -> bool:
    if owner is None:
        return True
    return belongs_to(record, owner) and not record.hidden_from_class


def require_visible(record: RunRecord, owner: RunOwner | None) -> RunRecord:
    if not visible_to(record, owner):
        raise AppError("run_not_found", ErrorKind.NOT_FOUND, run_id=record.id)
    return record
