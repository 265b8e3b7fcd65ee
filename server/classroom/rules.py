"""What an open class allows its students, as the workshop and the generator ask it.

The pipeline never knows how a class is run (join codes, cookies, the LAN listener); it only asks
these questions for every student request, so a class closed or a student removed a moment ago is
refused at the very next step. ``NO_CLASS`` answers while no class is open: nobody is a student then.
"""

from __future__ import annotations

from typing import Protocol

from server.classroom.owner import RunOwner
from server.errors import AppError, ErrorKind
from server.settings.safety_level import SafetyLevel


class ClassRules(Protocol):
    def safety_level(self, owner: RunOwner) -> SafetyLevel | None:
        """The class's safety level, fixed by the teacher (None: not a member)."""

    def allows_attitude(self, owner: RunOwner, attitude_id: str) -> bool: ...

    def allows_output(self, owner: RunOwner, output_id: str) -> bool: ...

    def is_member(self, owner: RunOwner) -> bool:
        """False once the student was removed or the class was closed."""


class NoClass:
    # Every answer is "no": the arguments do not matter while no class is open.
    def safety_level(self, owner: RunOwner) -> SafetyLevel | None:  # noqa: ARG002
        return None

    def allows_attitude(self, owner: RunOwner, attitude_id: str) -> bool:  # noqa: ARG002
        return False

    def allows_output(self, owner: RunOwner, output_id: str) -> bool:  # noqa: ARG002
        return False

    def is_member(self, owner: RunOwner) -> bool:  # noqa: ARG002
        return False


NO_CLASS: ClassRules = NoClass()


def require_member(rules: ClassRules, owner: RunOwner) -> SafetyLevel:
    """The class's safety level for a student who is still in the class; else a 401 the page shows."""
    level = rules.safety_level(owner) if rules.is_member(owner) else None
    if level is None:
        raise AppError("class_login_invalid", ErrorKind.UNAUTHORIZED)
    return level


def require_attitude(rules: ClassRules, owner: RunOwner, attitude_id: str) -> None:
    if not rules.allows_attitude(owner, attitude_id):
        raise AppError("class_not_allowed", ErrorKind.FORBIDDEN)


def require_output(rules: ClassRules, owner: RunOwner, output_id: str) -> None:
    if not rules.allows_output(owner, output_id):
        raise AppError("class_not_allowed", ErrorKind.FORBIDDEN)
