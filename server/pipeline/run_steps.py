"""What every step of the creative loop does around its own work: keep the run's status in line with
how the step ended, and put texts through the safety gate with the verdict recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from server.disk_full import disk_full_error, is_disk_full
from server.errors import AppError
from server.i18n.translator import Language
from server.jobs.manager import JobBlockedError, JobCancelledError, JobContext
from server.pipeline.llm_calls import StageCancelledError
from server.pipeline.run_safety_level import safety_level_of
from server.pipeline.safety.check_instructions import CheckStage
from server.pipeline.safety_gate import SafetyGate
from server.runs.models import ErrorRecord, RunRecord, RunStatus, SafetyVerdictRecord
from server.runs.store import RunStore
from server.settings.store import SettingsStore


def how_it_ended(error: Exception, runs_root: Path | None = None) -> tuple[RunStatus, ErrorRecord | None]:
    """The status (and error) a run or a generation gets when a step ends with ``error``; with the
    runs folder given, a full disk is named as such."""
    if runs_root is not None and is_disk_full(error):
        return RunStatus.FAILED, _error_record(disk_full_error(runs_root))
    if isinstance(error, StageCancelledError | JobCancelledError):
        return RunStatus.CANCELLED, None
    if isinstance(error, JobBlockedError):
        return RunStatus.BLOCKED, None
    if isinstance(error, AppError):
        return RunStatus.FAILED, ErrorRecord(code=error.code, params=error.params)
    return RunStatus.FAILED, ErrorRecord(code="internal_error")


class RunSteps:
    def __init__(self, runs: RunStore, gate: SafetyGate, settings: SettingsStore) -> None:
        self._runs = runs
        self._gate = gate
        self._settings = settings

    def run(self, run_id: str, body: Callable[[], dict[str, object]]) -> dict[str, object]:
        """Runs one step; a crash mid-step leaves 'in progress', which the next start marks incomplete.

        A step whose media or record could not be written because the disk is full ends as 'failed'
        with the error that names the full disk (not the ComfyUI or LLM step that happened to write).
        The step waits for its run's final record: one that cannot be saved is a failure too, so the
        student never sees a success the gallery will not have."""
        self._set_status(run_id, RunStatus.IN_PROGRESS)
        try:
            result = body()
        except Exception as error:
            if is_disk_full(error):
                disk_full = disk_full_error(self._runs.root)
                self._set_status(run_id, RunStatus.FAILED, _error_record(disk_full))
                self._raise_if_not_saved(run_id)
                raise disk_full from error
            status, record = how_it_ended(error)
            self._set_status(run_id, status, record)
            self._raise_if_not_saved(run_id)
            if isinstance(error, StageCancelledError):
                raise JobCancelledError from error
            raise
        self._set_status(run_id, RunStatus.COMPLETE)
        self._raise_if_not_saved(run_id)
        return result

    def check_safety(
        self, run_id: str, text: str, stage: CheckStage, language: Language, ctx: JobContext
    ) -> SafetyVerdictRecord:
        """Records the verdict; a block ends the job as 'blocked' with the explanation's code."""
        settings = self._settings.current
        ctx.emit("stage", {"stage": f"safety_{stage.value}"})
        # Only this run's overrides count: what a teacher let through once never opens another run.
        run = self._runs.load(run_id)
        overrides = run.teacher_overrides
        verdict = self._gate.check(
            text,
            stage,
            safety_level_of(run, self._settings),
            language,
            always_ask_llm=settings.safety_llm_check == "always",
            cancelled=lambda: ctx.cancelled,
            allowed_review_terms=frozenset(term for override in overrides for term in override.terms),
        )
        self._runs.update(run_id, lambda run: run.safety.append(verdict))
        ctx.emit("safety", {"stage": stage.value, "decision": verdict.decision})
        if verdict.decision == "blocked":
            raise JobBlockedError(
                {
                    "code": verdict.explanation_code or "safety_blocked",
                    "params": {},
                    "stage": stage.value,
                    "category": verdict.category,
                }
            )
        return verdict

    def _raise_if_not_saved(self, run_id: str) -> None:
        problem = self._runs.wait_written(run_id)
        if problem is None:
            return
        # In memory the run says why; the writer keeps trying, so the disk says it too once it can.
        self._set_status(run_id, RunStatus.FAILED, _error_record(problem))
        raise problem

    def _set_status(self, run_id: str, status: RunStatus, error: ErrorRecord | None = None) -> None:
        def change(run: RunRecord) -> None:
            run.status = status
            run.error = error

        self._runs.update(run_id, change)


def _error_record(error: AppError) -> ErrorRecord:
    return ErrorRecord(code=error.code, params=error.params)
