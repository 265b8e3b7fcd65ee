"""The safety level a run's steps are checked at.

The app's own user works at the settings' level, as it is when the step runs. A student's run keeps
the level its class had when the run began: the teacher fixes it for the class, and a change in the
teacher's own settings during the lesson must not loosen (or tighten) what the class agreed on.
"""

from __future__ import annotations

from server.runs.models import RunRecord
from server.settings.safety_level import SafetyLevel
from server.settings.store import SettingsStore


def safety_level_of(run: RunRecord, settings: SettingsStore) -> SafetyLevel:
    if run.owner is not None:
        return SafetyLevel(run.safety_level)
    return settings.current.safety_level
