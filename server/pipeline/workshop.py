"""The creative loop's text steps as jobs: idea -> safety -> interception, and text -> optimization.

Each UI action is one call here and one job; every step is recorded in the run as it happens, and the
run's status says how the last step ended (a crash mid-step leaves it 'in progress', which the next
start turns into 'incomplete').
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable

from server.catalog.models import (
    EndLanguage,
    InterceptionConfig,
    InterceptionKind,
    LlmChunk,
    Recursion,
    ResultKind,
)
from server.catalog.registry import Catalog
from server.classroom.owner import RunOwner
from server.classroom.rules import NO_CLASS, ClassRules, require_attitude, require_member, require_output
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language
from server.jobs.manager import Job, JobContext, JobManager
from server.pipeline.llm_calls import LlmCaller, LlmStage, raise_if_failed
from server.pipeline.prompt import ThreePartPrompt
from server.pipeline.requests import InterceptionRequest, OptimizationRequest
from server.pipeline.run_steps import RunSteps
from server.pipeline.safety.check_instructions import CheckStage
from server.pipeline.telephone import PoolTooSmallError, language_chain
from server.runs.access import require_visible
from server.runs.models import (
    InterceptionRecord,
    LlmCallRecord,
    OptimizationRecord,
    RunRecord,
    RunStatus,
    TeacherOverrideRecord,
    TelephoneRoundRecord,
)
from server.runs.store import RunStore
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

TEXT_LANE = "text"
NEEDS_REVIEW_PREFIX = "safety.needs_review."


class Workshop:
    def __init__(
        self,
        catalog: Catalog,
        runs: RunStore,
        jobs: JobManager,
        llm: LlmCaller,
        steps: RunSteps,
        settings: SettingsStore,
        rng: Callable[[], random.Random] = random.Random,
        rules: ClassRules = NO_CLASS,
    ) -> None:
        self._catalog = catalog
        self._runs = runs
        self._jobs = jobs
        self._llm = llm
        self._steps = steps
        self._settings = settings
        self._rng = rng
        self._rules = rules

    # ------------------------------------------------------------------ interception (steps 1-2)

    def start_interception(
        self, request: InterceptionRequest, owner: RunOwner | None = None
    ) -> tuple[RunRecord, Job]:
        """``owner``: the student asking (classroom mode); None for the app's own user."""
        level = self._settings.current.safety_level
        if owner is not None:
            level = require_member(self._rules, owner)
            require_attitude(self._rules, owner, request.config_id)
            # The Telephone settings and the self-test picture are the teacher's (PIN, settings).
            if request.telephone is not None or request.self_test:
                raise AppError("class_not_allowed", ErrorKind.FORBIDDEN)
        config = self._catalog.interceptions.get(request.config_id)
        if config is None:
            raise AppError("attitude_not_found", ErrorKind.NOT_FOUND, config_id=request.config_id)
        rules_given = request.rules is not None
        if not rules_given:
            # An API client that leaves the rules out gets the attitude as the web UI shows it.
            request = request.model_copy(update={"rules": config.context.get(request.language)})
        rules = request.rules or ""
        recursion = self._recursion(config, request)
        run = self._runs.create(
            RunRecord(
                id=self._runs.new_id(),
                language=request.language,
                safety_level=level.value,
                idea=request.idea,
                self_test=request.self_test,
                owner=owner,
                interception=InterceptionRecord(
                    config_id=request.config_id,
                    name=config.name.model_dump(),
                    kind=config.kind.value,
                    result=config.result.value,
                    input=request.idea,
                    rules=rules,
                    rules_edited=rules_given
                    and rules.strip() not in (config.context.de.strip(), config.context.en.strip()),
                ),
            )
        )

        def work(ctx: JobContext) -> dict[str, object]:
            return self._steps.run(run.id, lambda: self._intercept(run.id, config, recursion, request, ctx))

        try:
            job = self._jobs.submit("interception", TEXT_LANE, work, run_id=run.id, owner=_queue_key(owner))
        except AppError:
            # Refused (a student's queue limit, the app shutting down): no empty run is left behind.
            self._runs.delete(run.id, never_started=True)
            raise
        return run, job

    def _recursion(self, config: InterceptionConfig, request: InterceptionRequest) -> Recursion | None:
        """The Telephone settings of this run: the attitude's, or the teacher's choice for this run."""
        recursion = config.recursion
        if request.telephone is not None:
            if config.kind is not InterceptionKind.RECURSIVE:
                raise AppError(
                    "telephone_not_recursive", ErrorKind.INVALID_INPUT, config_id=request.config_id
                )
            self._settings.check_teacher_pin(request.pin)
            unknown = [
                code for code in request.telephone.languages if code not in self._catalog.languages.languages
            ]
            if unknown:
                raise AppError("telephone_unknown_language", ErrorKind.INVALID_INPUT, language=unknown[0])
            recursion = request.telephone
        if recursion is not None:
            try:
                language_chain(
                    recursion.rounds,
                    recursion.languages,
                    request.language,
                    _end(recursion, request),
                    self._rng(),
                )
            except PoolTooSmallError as error:
                raise AppError(
                    "telephone_pool_too_small",
                    ErrorKind.INVALID_INPUT,
                    rounds=error.rounds,
                    needed=error.rounds - 1,
                    available=error.available,
                ) from error
        return recursion

    def override_review_block(self, run_id: str, pin: str | None) -> tuple[RunRecord, Job]:
        """The teacher lets this run's "needs review" block through (PIN): the step runs again for
        this run only, with exactly the review words that stopped it allowed. A block-list hit
        (extremism, minors, ...) is never lifted: the gate blocks those before it looks at reviews."""
        self._settings.require_teacher_pin(pin)
        run = self._runs.load(run_id)
        blocked = run.safety[-1] if run.safety else None
        if (
            run.status is not RunStatus.BLOCKED
            or run.interception is None
            or blocked is None
            or blocked.decision != "blocked"
            or not (blocked.explanation_code or "").startswith(NEEDS_REVIEW_PREFIX)
        ):
            raise AppError("override_not_possible", ErrorKind.CONFLICT)
        config = self._catalog.interceptions.get(run.interception.config_id)
        if config is None:
            raise AppError("attitude_not_found", ErrorKind.NOT_FOUND, config_id=run.interception.config_id)
        override = TeacherOverrideRecord(
            stage=blocked.stage, terms=sorted({hit.term for hit in blocked.term_hits})
        )
        log.info("teacher override (PIN) for run %s: %s", run_id, ", ".join(override.terms))
        self._runs.update(run_id, lambda record: record.teacher_overrides.append(override))
        request = InterceptionRequest(
            config_id=run.interception.config_id,
            idea=run.idea,
            rules=run.interception.rules,
            language=run.language,
        )

        recursion = self._recursion(config, request)

        def work(ctx: JobContext) -> dict[str, object]:
            return self._steps.run(run_id, lambda: self._intercept(run_id, config, recursion, request, ctx))

        run = self._runs.load(run_id)
        # A student follows the step on their own page: the job is theirs, whoever started it.
        return run, self._jobs.submit(
            "interception", TEXT_LANE, work, run_id=run_id, owner=_queue_key(run.owner)
        )

    def _intercept(
        self,
        run_id: str,
        config: InterceptionConfig,
        recursion: Recursion | None,
        request: InterceptionRequest,
        ctx: JobContext,
    ) -> dict[str, object]:
        checked = request.idea
        interception = self._runs.load(run_id).interception
        if interception is not None and interception.rules_edited and interception.rules.strip():
            # Rules the student wrote are input too.
            checked = f"{request.idea}\n\n{interception.rules}"
        self._steps.check_safety(run_id, checked, CheckStage.INPUT, request.language, ctx)

        ctx.emit("stage", {"stage": "interception"})
        if config.kind is InterceptionKind.PASSTHROUGH:
            output = request.idea
        elif config.kind is InterceptionKind.RECURSIVE:
            assert recursion is not None
            output = self._telephone(run_id, config, recursion, request, ctx)
        else:
            output = self._transform(run_id, config, request, ctx)
        if config.kind is not InterceptionKind.PASSTHROUGH:
            # What the LLM wrote is new text: it passes the lists (and a capable checker) before it
            # becomes the final text; a block discards the streamed draft. For a text result this is
            # the check of the result itself, which students see.
            self._steps.check_safety(run_id, output, CheckStage.INTERCEPTION_OUTPUT, request.language, ctx)

        def finish(run: RunRecord) -> None:
            assert run.interception is not None
            run.interception.output = output
            run.interception.finished = True

        self._runs.update(run_id, finish)
        ctx.emit("text", {"stage": "interception", "text": output})
        return {"run_id": run_id, "text": output}

    def _transform(
        self, run_id: str, config: InterceptionConfig, request: InterceptionRequest, ctx: JobContext
    ) -> str:
        task = self._task(config.task_chunk, request.language)
        prompt = ThreePartPrompt(
            task=task, context=request.rules or "", input=request.idea, language=request.language
        )
        call = self._llm.call(
            LlmStage.INTERCEPTION,
            prompt,
            config.parameters,
            # A text result is shown only after its check: no pieces of it before that.
            on_piece=None
            if config.result is ResultKind.TEXT
            else lambda piece: ctx.emit("token", {"stage": "interception", "text": piece}),
            cancelled=lambda: ctx.cancelled,
        )
        self._runs.update(run_id, lambda run: _interception(run).llm_calls.append(call))
        raise_if_failed(call)
        return call.output

    def _telephone(
        self,
        run_id: str,
        config: InterceptionConfig,
        recursion: Recursion,
        request: InterceptionRequest,
        ctx: JobContext,
    ) -> str:
        chain = language_chain(
            recursion.rounds, recursion.languages, request.language, _end(recursion, request), self._rng()
        )
        round_chunk = self._catalog.llm_chunks.get("telephone_round")
        if round_chunk is None:
            raise AppError("chunk_missing", ErrorKind.UNAVAILABLE, chunk="telephone_round")
        text = request.idea
        for index, code in enumerate(chain):
            ctx.check_cancelled()
            info = self._catalog.languages.languages[code]
            ctx.emit(
                "round_start",
                {
                    "index": index,
                    "total": len(chain),
                    "language": code,
                    "language_name": info.name.model_dump(),
                },
            )
            task = round_chunk.task.get(request.language).replace(
                "{language}", info.name.get(request.language)
            )
            prompt = ThreePartPrompt(
                task=task, context=request.rules or "", input=text, language=request.language
            )
            call = self._llm.call(
                LlmStage.INTERCEPTION,
                prompt,
                config.parameters,
                on_piece=None
                if config.result is ResultKind.TEXT
                else functools.partial(_emit_round_token, ctx, index),
                cancelled=lambda: ctx.cancelled,
            )
            self._runs.update(run_id, functools.partial(_record_round, call=call, language=code))
            raise_if_failed(call)
            text = call.output
            if config.result is ResultKind.MEDIA:
                ctx.emit("round", {"index": index, "language": code, "text": text})
        return text

    # ------------------------------------------------------------------ optimization (step 3)

    def start_optimization(self, request: OptimizationRequest, owner: RunOwner | None = None) -> Job:
        if owner is not None:
            require_member(self._rules, owner)
            require_output(self._rules, owner, request.output_id)
        output = self._catalog.outputs.get(request.output_id)
        if output is None:
            raise AppError("output_not_found", ErrorKind.NOT_FOUND, output_id=request.output_id)
        run = require_visible(self._runs.load(request.run_id), owner)
        chunk = self._catalog.output_chunk(output)
        instruction = chunk.optimization_instruction if chunk is not None else None
        previous = run.interception.output if run.interception is not None else ""

        def work(ctx: JobContext) -> dict[str, object]:
            return self._steps.run(
                run.id, lambda: self._optimize(run.id, request, instruction, previous, run.language, ctx)
            )

        return self._jobs.submit("optimization", TEXT_LANE, work, run_id=run.id, owner=_queue_key(run.owner))

    def _optimize(
        self,
        run_id: str,
        request: OptimizationRequest,
        instruction: str | None,
        previous: str,
        language: Language,
        ctx: JobContext,
    ) -> dict[str, object]:
        ctx.emit("stage", {"stage": "optimization"})
        record = OptimizationRecord(
            output_id=request.output_id,
            input=request.text,
            input_edited=request.text.strip() != previous.strip(),
            instruction=instruction,
            applied=instruction is not None,
        )
        if instruction is None:
            # Nothing to adapt for this model: the text goes on exactly as the student left it.
            record.output = request.text
        else:
            task = self._task("optimization", language)
            # Isolation: the Context is the model's instruction and nothing else, never the attitude's rules.
            prompt = ThreePartPrompt(task=task, context=instruction, input=request.text, language=language)
            call = self._llm.call(
                LlmStage.OPTIMIZATION,
                prompt,
                self._catalog.llm_chunks["optimization"].parameters,
                on_piece=lambda piece: ctx.emit("token", {"stage": "optimization", "text": piece}),
                cancelled=lambda: ctx.cancelled,
            )
            record.llm_call = call
            record.output = call.output
        record.finished = record.llm_call is None or record.llm_call.error is None
        self._runs.update(run_id, lambda run: run.optimizations.append(record))
        if record.llm_call is not None:
            raise_if_failed(record.llm_call)
        ctx.emit("text", {"stage": "optimization", "text": record.output, "applied": record.applied})
        return {"run_id": run_id, "text": record.output, "applied": record.applied}

    # ------------------------------------------------------------------ shared

    def _task(self, chunk_id: str, language: Language) -> str:
        chunk: LlmChunk | None = self._catalog.llm_chunks.get(chunk_id)
        if chunk is None:
            raise AppError("chunk_missing", ErrorKind.UNAVAILABLE, chunk=chunk_id)
        return chunk.task.get(language)


def _end(recursion: Recursion, request: InterceptionRequest) -> str:
    return request.language if recursion.end_language is EndLanguage.STUDENT else recursion.end_language.value


def _emit_round_token(ctx: JobContext, index: int, piece: str) -> None:
    ctx.emit("token", {"stage": "telephone", "round": index, "text": piece})


def _record_round(run: RunRecord, call: LlmCallRecord, language: str) -> None:
    interception = _interception(run)
    interception.llm_calls.append(call)
    if call.error is None:
        interception.rounds.append(TelephoneRoundRecord(language=language, text=call.output))


def _interception(run: RunRecord) -> InterceptionRecord:
    assert run.interception is not None
    return run.interception


def _queue_key(owner: RunOwner | None) -> str | None:
    """Whom the fair queue schedules a job for: the run's student, or the app's own user (None)."""
    return owner.queue_key if owner is not None else None
