"""Who is asking: the app's own user (launch credential) or a student of an open class.

The security layer (server/api/security.py for the app's listener, the classroom guard for the LAN
listener) decides this once per request and stores it on ``flask.g``; views read it from here and
hand the owner to the domain, which scopes runs and jobs by it.
"""

from __future__ import annotations

from flask import g

from server.classroom.owner import RunOwner

RUN_OWNER_KEY = "run_owner"


def current_owner() -> RunOwner | None:
    """The student this request acts for, or None for the app's own user."""
    owner = g.get(RUN_OWNER_KEY)
    return owner if isinstance(owner, RunOwner) else None


def set_current_owner(owner: RunOwner) -> None:
    setattr(g, RUN_OWNER_KEY, owner)
