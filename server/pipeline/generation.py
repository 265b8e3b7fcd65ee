"""Steps 4-5 of the creative loop: the text a student approved becomes an image, sound or video.

Stage 3 first: translation to English (an English text is passed through; a song's lyrics keep the
student's language) and the pre-output safety check, which also yields the negative prompt. Then
stage 4: the output's workflow with the parameters mapped in, sent to ComfyUI; progress, previews and
the finished media come back as job events, and the media files go into the run with their sha256.
A cloud output (OpenAI, OpenRouter) sends its chunk's request instead and reports the request's
states (``cloud`` events); its media go into the run the same way.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from functools import partial
from pathlib import PurePosixPath

from server.atomic_write import write_bytes_atomic
from server.catalog.availability import OutputAvailability
from server.catalog.models import CloudChunk, ComfyUIChunk, MappedParameter, OutputConfig
from server.catalog.registry import Catalog
from server.classroom.owner import RunOwner
from server.classroom.rules import NO_CLASS, ClassRules, require_member, require_output
from server.cloud.media_bytes import extension_for
from server.cloud.media_client import CloudCancelledError, CloudJobHooks, CloudMediaClient
from server.cloud.request_template import fill_request
from server.comfyui.client import ComfyUIClient
from server.comfyui.pool import LOST_CODES, Lease
from server.comfyui.prompt_events import (
    Failed,
    Interrupted,
    NodeExecuting,
    NodesCached,
    Preview,
    Progress,
    Queued,
    Succeeded,
)
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.workflow_mapping import (
    GenerationValues,
    apply_mappings,
    resolve_seed,
    split_tags_and_lyrics,
    values_from_defaults,
)
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language
from server.jobs.manager import Job, JobBlockedError, JobCancelledError, JobContext, JobManager
from server.pipeline.language_guess import LanguageGuesser
from server.pipeline.llm_calls import LlmCaller, LlmStage, raise_if_failed
from server.pipeline.prompt import ThreePartPrompt
from server.pipeline.requests import GenerationRequest
from server.pipeline.run_safety_level import safety_level_of
from server.pipeline.run_steps import RunSteps, how_it_ended
from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.check_instructions import CheckStage
from server.pipeline.safety.explanations import media_withheld_message_code
from server.pipeline.safety_gate import SafetyGate
from server.runs.access import require_visible
from server.runs.models import (
    ErrorRecord,
    GenerationRecord,
    MediaCheckRecord,
    MediaFileRecord,
    RunRecord,
    RunStatus,
    TranslationRecord,
    utc_now,
)
from server.runs.store import RunStore
from server.settings.safety_level import SafetyLevel
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

GENERATION_LANE = "generation"
# How long a generation may take before we give up on it (video on a CPU can take very long).
COMFYUI_READY_TIMEOUT_S = 600.0
JOB_TIMEOUT_S = 3 * 3600.0
PREVIEW_INTERVAL_S = 0.25
# Texts are recorded in their own fields of the generation, not among its parameters.
_TEXTS = frozenset({MappedParameter.PROMPT, MappedParameter.NEGATIVE_PROMPT, MappedParameter.LYRICS})


def media_url(run_id: str, name: str) -> str:
    return f"/api/runs/{run_id}/media/{name}"


class Generator:
    def __init__(
        self,
        catalog: Catalog,
        runs: RunStore,
        jobs: JobManager,
        llm: LlmCaller,
        steps: RunSteps,
        gate: SafetyGate,
        comfyui: ComfyUIRuntime,
        availability: OutputAvailability,
        languages: LanguageGuesser,
        settings: SettingsStore,
        cloud: CloudMediaClient,
        rules: ClassRules = NO_CLASS,
    ) -> None:
        self._catalog = catalog
        self._runs = runs
        self._jobs = jobs
        self._llm = llm
        self._steps = steps
        self._gate = gate
        self._comfyui = comfyui
        self._availability = availability
        self._languages = languages
        self._settings = settings
        self._cloud = cloud
        self._rules = rules

    def start(self, request: GenerationRequest, owner: RunOwner | None = None) -> tuple[str, Job]:
        """``owner``: the student asking (classroom mode), who may only generate for their own run."""
        if owner is not None:
            require_member(self._rules, owner)
            require_output(self._rules, owner, request.output_id)
        output = self._catalog.outputs.get(request.output_id)
        if output is None:
            raise AppError("output_not_found", ErrorKind.NOT_FOUND, output_id=request.output_id)
        run = require_visible(self._runs.load(request.run_id), owner)
        if self._catalog.output_chunk(output) is None:
            raise AppError("output_not_found", ErrorKind.NOT_FOUND, output_id=request.output_id)
        reasons = self._availability.reasons(output)
        if reasons:
            # Params stay as they are: a model's name or a size may be given per language.
            raise AppError(reasons[0].code, ErrorKind.UNAVAILABLE, **dict(reasons[0].params))
        generation_id = f"g{len(run.generations) + 1}-{secrets.token_hex(2)}"

        def work(ctx: JobContext) -> dict[str, object]:
            return self._steps.run(
                run.id, lambda: self._generate_recorded(run, output, request, generation_id, ctx)
            )

        # The run's student, whoever pressed the button: the fair queue counts it as theirs.
        queue_key = run.owner.queue_key if run.owner is not None else None
        return generation_id, self._jobs.submit(
            "generation", GENERATION_LANE, work, run_id=run.id, owner=queue_key
        )

    # ------------------------------------------------------------------ the job

    def _generate_recorded(
        self,
        run: RunRecord,
        output: OutputConfig,
        request: GenerationRequest,
        generation_id: str,
        ctx: JobContext,
    ) -> dict[str, object]:
        """The generation with its own record, whose status follows how it ended."""
        record = GenerationRecord(
            id=generation_id, output_id=request.output_id, text=request.text, backend=output.backend.value
        )
        self._runs.update(run.id, lambda r: r.generations.append(record))
        try:
            return self._generate(run, output, request, generation_id, ctx)
        except Exception as error:
            status, failure = how_it_ended(error, self._runs.root)
            self._finish(run.id, generation_id, status, failure)
            raise

    def _generate(
        self,
        run: RunRecord,
        output: OutputConfig,
        request: GenerationRequest,
        generation_id: str,
        ctx: JobContext,
    ) -> dict[str, object]:
        chunk = self._catalog.output_chunk(output)
        assert chunk is not None  # checked in start()
        language: Language = run.language
        has_lyrics = chunk.uses(MappedParameter.LYRICS)
        description, lyrics = split_tags_and_lyrics(request.text) if has_lyrics else (request.text, None)

        translation = self._translate(run.id, generation_id, description, language, ctx, output.selftest)
        self._update(run.id, generation_id, lambda g: setattr(g, "translation", translation))
        raise_if_failed_translation(translation)

        # Lyrics stay in the student's language, but they are checked like everything else.
        checked = translation.english if lyrics is None else f"{translation.english}\n\n{lyrics}"
        self._steps.check_safety(run.id, checked, CheckStage.PRE_OUTPUT, language, ctx)

        level = safety_level_of(run, self._settings)
        negative = self._gate.negative_prompt(level, output.defaults.negative_prompt)
        seed = resolve_seed(request.seed, output.defaults.seed)
        values = values_from_defaults(
            output.defaults,
            prompt=translation.english,
            seed=seed,
            negative_prompt=negative,
            lyrics=lyrics,
            # Per run, not per generation: a re-run with the same seed must send the very same
            # workflow (ComfyUI numbers the files itself, and we name them by generation on saving).
            filename_prefix=f"ai4artsed/{run.id}",
        )
        if isinstance(chunk, CloudChunk):
            media = self._generate_in_cloud(run.id, generation_id, output, chunk, values, language, ctx)
            used_seed = seed if chunk.uses(MappedParameter.SEED) else None
        else:
            media = self._generate_in_comfyui(run.id, generation_id, output, chunk, values, language, ctx)
            used_seed = seed

        self._update(run.id, generation_id, lambda g: setattr(g, "media", media))
        if not media:
            # Everything the model made was withheld by the image check: a block, not a failure.
            raise JobBlockedError(
                {
                    "code": media_withheld_message_code(level),
                    "params": {},
                    "stage": "image_check",
                    "category": SafetyCategory.SEXUAL.value,
                }
            )
        self._finish(run.id, generation_id, RunStatus.COMPLETE)
        return {
            "run_id": run.id,
            "generation_id": generation_id,
            "seed": used_seed,
            "media": [_media_event(run.id, item) for item in media],
        }

    def _generate_in_comfyui(
        self,
        run_id: str,
        generation_id: str,
        output: OutputConfig,
        chunk: ComfyUIChunk,
        values: GenerationValues,
        language: Language,
        ctx: JobContext,
    ) -> list[MediaFileRecord]:
        workflow = apply_mappings(chunk, values)

        def record_request(generation: GenerationRecord) -> None:
            generation.seed = values.seed
            generation.negative_prompt = values.negative_prompt or ""
            generation.parameters = {
                key: value
                for key, value in vars(values).items()
                if key not in ("prompt", "negative_prompt", "lyrics", "extra") and value is not None
            }
            generation.request = dict(workflow)

        self._update(run_id, generation_id, record_request)
        ctx.emit("stage", {"stage": "generation"})
        ctx.check_cancelled()
        return self._run_workflow(run_id, generation_id, output, workflow, language, ctx)

    def _generate_in_cloud(
        self,
        run_id: str,
        generation_id: str,
        output: OutputConfig,
        chunk: CloudChunk,
        values: GenerationValues,
        language: Language,
        ctx: JobContext,
    ) -> list[MediaFileRecord]:
        label = output.name.get(language)
        call = self._cloud.prepare(output.backend, chunk, fill_request(chunk, values), label)
        used = chunk.parameters()

        def record_request(generation: GenerationRecord) -> None:
            # Only what the provider receives: a cloud model without a seed makes a new picture each time.
            generation.seed = values.seed if MappedParameter.SEED in used else None
            negative = values.negative_prompt if MappedParameter.NEGATIVE_PROMPT in used else None
            generation.negative_prompt = negative or ""
            generation.parameters = {
                parameter.value: value
                for parameter in sorted(used - _TEXTS, key=lambda item: item.value)
                if (value := values.get(parameter)) is not None
            }
            generation.request = call.record()

        self._update(run_id, generation_id, record_request)
        ctx.emit("stage", {"stage": "generation"})
        ctx.check_cancelled()
        ctx.emit("progress", {"value": 0, "max": 0, "node": None, "fraction": 0.0})
        provider = call.provider.label or call.provider.id
        hooks = CloudJobHooks(
            on_state=lambda state: ctx.emit("cloud", {"state": state, "provider": provider}),
            cancelled=lambda: ctx.cancelled,
            on_cancel=ctx.on_cancel,
        )
        try:
            files = self._cloud.send(call, chunk, label, hooks)
        except CloudCancelledError:
            raise JobCancelledError from None
        allowed = self._catalog.media_types[output.media_type].mime_types
        ctx.emit("cloud", {"state": "saving", "provider": provider})
        media: list[MediaFileRecord] = []
        for index, file in enumerate(files, start=1):
            if file.mime_type not in allowed:
                raise AppError(
                    "cloud.unexpected_media", ErrorKind.FAILED, output=label, mime_type=file.mime_type
                )
            name = f"{generation_id}_{index}{extension_for(file.mime_type)}"
            write_bytes_atomic(self._runs.media_path(run_id, name), file.data)
            item = MediaFileRecord(
                name=name,
                media_type=output.media_type,
                mime_type=file.mime_type,
                size=len(file.data),
                sha256=hashlib.sha256(file.data).hexdigest(),
            )
            if not self._passes_image_check(run_id, generation_id, item):
                continue
            media.append(item)
            ctx.emit("media", _media_event(run_id, item))
        ctx.emit("progress", {"value": 0, "max": 0, "node": None, "fraction": 1.0})
        return media

    def _earlier_translation(self, run_id: str, generation_id: str, text: str) -> TranslationRecord | None:
        """The English an earlier generation of this run made of the same text, if it succeeded.

        A language model may word a translation differently each time; reusing it is what makes the
        same seed and the same text give the same picture. No new call is made, so none is recorded.
        """
        for earlier in reversed(self._runs.load(run_id).generations):
            translation = earlier.translation
            if earlier.id == generation_id or translation is None or translation.source_text != text:
                continue
            if translation.llm_call is not None and translation.llm_call.error is not None:
                continue
            if translation.applied and not translation.english.strip():
                continue
            return translation.model_copy(update={"llm_call": None})
        return None

    def _translate(
        self,
        run_id: str,
        generation_id: str,
        text: str,
        language: Language,
        ctx: JobContext,
        selftest: bool = False,
    ) -> TranslationRecord:
        ctx.emit("stage", {"stage": "translation"})
        earlier = self._earlier_translation(run_id, generation_id, text)
        if earlier is not None:
            record = earlier
        elif selftest or self._languages.guess(text) == "en":
            # A self-test output draws no picture from the words: no need to wait for a translation.
            record = TranslationRecord(source_text=text, english=text, applied=False)
        else:
            chunk = self._catalog.llm_chunks.get("translation")
            if chunk is None:
                raise AppError("chunk_missing", ErrorKind.UNAVAILABLE, chunk="translation")
            call = self._llm.call(
                LlmStage.TRANSLATION,
                ThreePartPrompt(task=chunk.task.get(language), context="", input=text, language=language),
                chunk.parameters,
                on_piece=lambda piece: ctx.emit("token", {"stage": "translation", "text": piece}),
                cancelled=lambda: ctx.cancelled,
            )
            record = TranslationRecord(source_text=text, english=call.output, applied=True, llm_call=call)
        ctx.emit("text", {"stage": "translation", "text": record.english, "applied": record.applied})
        return record

    def _run_workflow(
        self,
        run_id: str,
        generation_id: str,
        output: OutputConfig,
        workflow: dict[str, dict[str, object]],
        language: Language,
        ctx: JobContext,
    ) -> list[MediaFileRecord]:
        # A machine of the pool that goes away mid-job: the same workflow (same seed) goes once more
        # to another machine that can run it (docs/comfyui-pool.md).
        label = output.name.get(language)
        excluded: frozenset[str] = frozenset()
        while True:
            try:
                lease = self._comfyui.lease(workflow, excluded, COMFYUI_READY_TIMEOUT_S)
            except AppError as error:
                if not excluded:
                    raise
                raise AppError("comfyui_pool_machine_lost", ErrorKind.FAILED, output=label) from error
            self._update(run_id, generation_id, partial(_record_machine, name=lease.machine_name))
            try:
                media = self._run_on(run_id, generation_id, output, workflow, label, lease, ctx)
            except MachineLostError:
                lease.release()
                if excluded:
                    raise AppError("comfyui_pool_machine_lost", ErrorKind.FAILED, output=label) from None
                log.warning("ComfyUI machine %s went away mid-job; trying another", lease.machine_name)
                excluded = frozenset({lease.machine_id})
                continue
            except BaseException:
                lease.release()
                raise
            lease.release(succeeded=True)
            return media

    def _run_on(
        self,
        run_id: str,
        generation_id: str,
        output: OutputConfig,
        workflow: dict[str, dict[str, object]],
        label: str,
        lease: Lease,
        ctx: JobContext,
    ) -> list[MediaFileRecord]:
        client: ComfyUIClient = lease.client
        handle = client.submit(workflow, label=label)
        self._update(run_id, generation_id, lambda g: setattr(g, "prompt_id", handle.prompt_id))
        remove_cancel = ctx.on_cancel(lambda: client.cancel(handle.prompt_id))
        total_nodes = max(1, len(workflow))
        finished_nodes: set[str] = set()
        current: str | None = None
        last_preview = 0.0
        level = self._level(run_id)
        show_previews = not self._gate.image_check_applies(level, output.media_type)
        try:
            for event in handle.events(JOB_TIMEOUT_S):
                if isinstance(event, Queued):
                    ctx.emit("comfyui_queue", {"ahead": event.position})
                elif isinstance(event, NodesCached):
                    finished_nodes.update(event.nodes)
                    ctx.emit(
                        "progress",
                        {"value": 0, "max": 0, "node": None, "fraction": len(finished_nodes) / total_nodes},
                    )
                elif isinstance(event, NodeExecuting):
                    if current is not None:
                        finished_nodes.add(current)
                    current = event.node
                    ctx.emit("executing", {"node": event.node, "class_type": event.class_type})
                    ctx.emit(
                        "progress",
                        {
                            "value": 0,
                            "max": 0,
                            "node": event.node,
                            "fraction": len(finished_nodes) / total_nodes,
                        },
                    )
                elif isinstance(event, Progress):
                    within = event.value / event.max if event.max else 0.0
                    ctx.emit(
                        "progress",
                        {
                            "value": event.value,
                            "max": event.max,
                            "node": event.node,
                            "fraction": min(1.0, (len(finished_nodes) + within) / total_nodes),
                        },
                    )
                elif isinstance(event, Preview):
                    now = time.monotonic()
                    # An unchecked preview could show what the image check would withhold.
                    if not show_previews:
                        continue
                    if now - last_preview >= PREVIEW_INTERVAL_S:
                        last_preview = now
                        ctx.set_preview(event.image, event.mime)
                elif isinstance(event, Succeeded):
                    ctx.emit("progress", {"value": 0, "max": 0, "node": None, "fraction": 1.0})
                    return self._save_media(run_id, generation_id, output, client, event, label, ctx)
                elif isinstance(event, Interrupted):
                    raise JobCancelledError
                elif isinstance(event, Failed):
                    if event.code in LOST_CODES and lease.lost() and not ctx.cancelled:
                        raise MachineLostError
                    raise AppError(event.code, ErrorKind.FAILED, **event.params)
        finally:
            remove_cancel()
        raise AppError("comfyui_job_lost", ErrorKind.FAILED, output=label)

    def _save_media(
        self,
        run_id: str,
        generation_id: str,
        output: OutputConfig,
        client: ComfyUIClient,
        result: Succeeded,
        label: str,
        ctx: JobContext,
    ) -> list[MediaFileRecord]:
        if not result.files:
            raise AppError("comfyui_no_media", ErrorKind.FAILED, output=label)
        media: list[MediaFileRecord] = []
        for index, file in enumerate(result.files, start=1):
            suffix = PurePosixPath(file.filename).suffix.lower()
            name = f"{generation_id}_{index}{suffix}"
            downloaded = client.download(file, self._runs.media_path(run_id, name))
            item = MediaFileRecord(
                name=name,
                media_type=output.media_type,
                mime_type=downloaded.mime,
                size=downloaded.size,
                sha256=downloaded.sha256,
            )
            if not self._passes_image_check(run_id, generation_id, item):
                continue
            media.append(item)
            ctx.emit("media", _media_event(run_id, item))
        return media

    def _level(self, run_id: str) -> SafetyLevel:
        return safety_level_of(self._runs.load(run_id), self._settings)

    def _passes_image_check(self, run_id: str, generation_id: str, item: MediaFileRecord) -> bool:
        """At kids and youth, every image (and a few frames of each video) is checked locally before
        anyone sees it; withheld media are deleted, so they cannot be shown, exported or listed."""
        level = self._level(run_id)
        path = self._runs.media_path(run_id, item.name)
        result = self._gate.check_media(path, item.media_type, level)
        if result is None:
            return True
        check = MediaCheckRecord(
            name=item.name,
            media_type=item.media_type,
            decision="withheld" if result.withheld else "shown",
            findings=result.findings,
            frames=result.frames,
            duration_ms=result.duration_ms,
            check_failure=result.failure,
        )
        self._update(run_id, generation_id, lambda g: g.media_checks.append(check))
        if result.withheld:
            path.unlink(missing_ok=True)
            log.info(
                "image check withheld %s of run %s (%s)",
                item.name,
                run_id,
                result.failure or ", ".join(sorted(result.findings)),
            )
        return not result.withheld

    def _finish(
        self, run_id: str, generation_id: str, status: RunStatus, error: ErrorRecord | None = None
    ) -> None:
        def change(generation: GenerationRecord) -> None:
            generation.status = status
            generation.error = error
            generation.finished_at = utc_now()

        self._update(run_id, generation_id, change)

    def _update(self, run_id: str, generation_id: str, change: Callable[[GenerationRecord], None]) -> None:
        def apply(run: RunRecord) -> None:
            for generation in run.generations:
                if generation.id == generation_id:
                    change(generation)

        self._runs.update(run_id, apply)


def _record_machine(generation: GenerationRecord, name: str) -> None:
    generation.machine = name


class MachineLostError(Exception):
    """The pool's machine went away with the prompt (not the prompt's own failure)."""


def raise_if_failed_translation(record: TranslationRecord) -> None:
    if record.llm_call is not None:
        raise_if_failed(record.llm_call)


def _media_event(run_id: str, item: MediaFileRecord) -> dict[str, object]:
    return {**item.model_dump(mode="json"), "url": media_url(run_id, item.name)}
