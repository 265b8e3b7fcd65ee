"""Stage 1 (the idea), the interception's result and stage 3 (the prompt before generation): may
this text go on?

First the term lists (fast, whole words, both languages, §86a at every level but research); then,
for kids and youth, the checker of the safety stage (checker.py):
- a capable checker (a guard model, or an LLM marked ``safety_classifier``) is asked for EVERY text;
  the ``safety_llm_check`` setting cannot switch that off below adult;
- otherwise (the bundled test model, an unknown model) the lists carry the protection: a text the
  lists mark "needs review" is blocked with an explanation that says a guard model would decide it,
  and the LLM is asked only when the teacher chose "always".
At kids and youth the gate fails closed: an unreachable checker or an answer that is not a verdict
stops the run. A block is a result recorded in the run with a child-friendly explanation, not an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from server.catalog.models import LlmParameters, ModelFile
from server.config_file import ConfigFileError
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language
from server.pipeline.llm_calls import LlmCaller, LlmStage
from server.pipeline.prompt import ThreePartPrompt
from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.check_instructions import CheckStage, LlmCheckInstructions
from server.pipeline.safety.checker import SafetyChecker, describe_checker
from server.pipeline.safety.explanations import (
    CheckFailure,
    block_message_code,
    check_failure_message_code,
    needs_review_message_code,
)
from server.pipeline.safety.guard_formats import GuardModels, GuardParseError
from server.pipeline.safety.image_check import ImageCheck, MediaCheckResult
from server.pipeline.safety.negative_prompt import NegativePrompts, combine_negative_prompts
from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import TermAction, TermListError
from server.pipeline.safety.verdict import VerdictParseError, parse_verdict, verdict_json_schema
from server.runs.models import LlmCallRecord, SafetyVerdictRecord, TermHitRecord
from server.settings.safety_level import SafetyLevel

log = logging.getLogger(__name__)

CONFIG_BROKEN_CODE = "safety_config_broken"
# Deterministic and short: a verdict, not prose.
CHECK_PARAMETERS = LlmParameters(temperature=0.0, max_tokens=200)


class CheckerCall(Protocol):
    """Sends one check to the checker and returns the call's record (errors are in the record)."""

    def __call__(
        self, prompt: ThreePartPrompt, bare_input: bool, json_schema: dict[str, object] | None
    ) -> LlmCallRecord: ...


@dataclass(frozen=True)
class SafetyConfig:
    term_filter: TermFilter
    instructions: LlmCheckInstructions
    negative_prompts: NegativePrompts
    guards: GuardModels
    image_check: ImageCheck

    @classmethod
    def load(cls, safety_dir: Path) -> SafetyConfig:
        return cls(
            TermFilter.from_directory(safety_dir / "terms"),
            LlmCheckInstructions.from_file(safety_dir / "llm_check.json"),
            NegativePrompts.from_file(safety_dir / "negative_prompts.json"),
            GuardModels.from_file(safety_dir / "guard_models.json"),
            ImageCheck.load(safety_dir / "image_check.json"),
        )


class SafetyGate:
    """Compiles its term lists in the background (a few hundred ms) so the app's start does not wait;
    the first check waits for them. If they cannot be loaded, every check fails closed."""

    def __init__(
        self,
        safety_dir: Path,
        llm: LlmCaller,
        on_broken: Callable[[str], None],
        models: Iterable[ModelFile] = (),
        on_lists_only: Callable[[], None] | None = None,
    ) -> None:
        """``on_lists_only``: called once after loading when the safety stage has no capable checker."""
        self._llm = llm
        self._models = list(models)
        self._config: SafetyConfig | None = None
        self._ready = threading.Event()

        def load() -> None:
            try:
                self._config = SafetyConfig.load(safety_dir)
                # Before the gate is ready, so whoever waited for it sees the notice too.
                checker = describe_checker(
                    self._llm.choice(LlmStage.SAFETY), self._models, self._config.guards
                )
                if on_lists_only is not None and not checker.capable:
                    on_lists_only()
            except (TermListError, ConfigFileError) as error:
                log.error("the safety configuration is broken; every check will stop runs: %s", error)
                on_broken(str(error))
            finally:
                self._ready.set()

        threading.Thread(target=load, name="safety-lists", daemon=True).start()

    def _loaded(self) -> SafetyConfig | None:
        self._ready.wait()
        return self._config

    def checker(self) -> SafetyChecker:
        """The safety stage's checker as the settings choose it now."""
        config = self._loaded()
        return describe_checker(
            self._llm.choice(LlmStage.SAFETY), self._models, config.guards if config else None
        )

    def protection_summary(self) -> dict[str, object]:
        """For the diagnostics file and the settings: what protects students right now."""
        config = self._loaded()
        checker = self.checker()
        return {
            "protection": "term_lists_and_checker" if checker.capable else "term_lists_only",
            "checker": {
                "provider": checker.provider_id,
                "model": checker.model,
                "kind": checker.kind,
                "capable": checker.capable,
                "test_grade": checker.test_grade,
            },
            "unsure_words_without_checker": "blocked at kids and youth",
            "how_to_add_a_checker": (
                "Models page: download Llama Guard 3 1B or Qwen3Guard-Gen 0.6B; Settings, "
                "Language models, Safety: choose it (built-in engine)"
            ),
            "image_check": {
                "config_loaded": config is not None,
                "detector_file_present": config is not None and config.image_check.model_available,
            },
        }

    def image_check_applies(self, level: SafetyLevel, media_type: str) -> bool:
        config = self._loaded()
        if config is None:
            return level.fails_closed and media_type in ("image", "video")
        return config.image_check.applies(level, media_type)

    def image_check_ready(self) -> bool:
        """Whether the detector file is there (the diagnostics file and the notices say so)."""
        config = self._loaded()
        return config is not None and config.image_check.model_available

    def check_media(self, path: Path, media_type: str, level: SafetyLevel) -> MediaCheckResult | None:
        """The image check for a generated file; None where it does not apply (audio, adult)."""
        if not self.image_check_applies(level, media_type):
            return None
        config = self._loaded()
        if config is None:
            return MediaCheckResult(withheld=True, failure="config_broken")
        return config.image_check.check(path, media_type, level)

    def negative_prompt(self, level: SafetyLevel, *extra: str | None) -> str:
        """Stage 3's negative prompt: the level's terms, then the output's and the student's own."""
        config = self._loaded()
        if config is None:
            return combine_negative_prompts(*extra)
        return config.negative_prompts.for_level(level, *extra)

    def blocking_terms(self, text: str, level: SafetyLevel) -> list[str]:
        """The terms of ``level``'s lists that would stop ``text`` (for rules a teacher saves)."""
        if not level.filters_terms:
            return []
        config = self._loaded()
        if config is None:
            raise AppError(CONFIG_BROKEN_CODE, ErrorKind.UNAVAILABLE)
        return [hit.matched_text for hit in config.term_filter.check(text, level).blocking_hits]

    def check(
        self,
        text: str,
        stage: CheckStage,
        level: SafetyLevel,
        language: Language,
        always_ask_llm: bool,
        cancelled: Callable[[], bool] | None = None,
        allowed_review_terms: frozenset[str] = frozenset(),
    ) -> SafetyVerdictRecord:
        """``allowed_review_terms``: review words the teacher let through for this run (PIN); they
        lift only the "needs review, no capable checker" block, never a block-list hit."""
        record = SafetyVerdictRecord(stage=stage.value, level=level.value, decision="allowed")
        if not level.filters_terms:
            return record  # research: the teacher switched every check off with the PIN
        config = self._loaded()
        if config is None:
            record.decision = "blocked"
            record.explanation_code = CONFIG_BROKEN_CODE
            return record

        terms = config.term_filter.check(text, level)
        record.term_hits = [
            TermHitRecord(term=hit.term, list_id=hit.list_id, category=hit.category.value)
            for hit in terms.hits
        ]
        if terms.blocked:
            category = terms.category or SafetyCategory.OTHER
            return self._blocked(record, category, level)
        if not level.runs_llm_check:
            return record
        checker = self.checker()
        # A capable checker is asked for every text below adult, whatever the setting says; with
        # "always" (PIN-protected) the teacher vouches for a model the app does not know.
        if not (checker.capable or always_ask_llm):
            review_terms = {hit.term for hit in terms.hits if hit.action is TermAction.REVIEW}
            if terms.needs_review and review_terms <= allowed_review_terms:
                record.overridden_terms = sorted(review_terms)
            elif terms.needs_review:
                # A word that needs context, and no checker that can judge context: careful.
                record.checker = checker.kind
                record.decision = "blocked"
                record.category = (terms.category or SafetyCategory.OTHER).value
                record.explanation_code = needs_review_message_code(level)
            return record

        def call(
            prompt: ThreePartPrompt, bare_input: bool, json_schema: dict[str, object] | None
        ) -> LlmCallRecord:
            return self._llm.call(
                LlmStage.SAFETY,
                prompt,
                CHECK_PARAMETERS,
                cancelled=cancelled,
                json_schema=json_schema,
                bare_input=bare_input,
            )

        return ask_checker(record, checker, config, text, stage, level, language, call)

    @staticmethod
    def _blocked(
        record: SafetyVerdictRecord, category: SafetyCategory, level: SafetyLevel
    ) -> SafetyVerdictRecord:
        record.decision = "blocked"
        record.category = category.value
        record.explanation_code = block_message_code(category, level)
        return record

    @staticmethod
    def _check_failed(
        record: SafetyVerdictRecord, failure: CheckFailure, level: SafetyLevel
    ) -> SafetyVerdictRecord:
        record.check_failure = failure.value
        if level.fails_closed:
            record.decision = "blocked"
            record.explanation_code = check_failure_message_code(failure, level)
        return record


def ask_checker(
    record: SafetyVerdictRecord,
    checker: SafetyChecker,
    config: SafetyConfig,
    text: str,
    stage: CheckStage,
    level: SafetyLevel,
    language: Language,
    call: CheckerCall,
) -> SafetyVerdictRecord:
    """The LLM part of the check: asks ``checker`` about ``text`` and writes its verdict into ``record``.

    Public for the evaluation bench (bench/safety_eval.py), which runs it against a configured checker
    without the rest of the app: ``run_checker`` below wires it to a plain chat client."""
    record.checker = checker.kind
    record.llm_checked = True
    if checker.guard is not None:
        prompt = ThreePartPrompt(task="", context="", input=text, language=language)
        result = call(prompt, True, None)
    else:
        texts = config.instructions.prompt(level, stage, language)
        prompt = ThreePartPrompt(task=texts.task, context=texts.context, input=text, language=language)
        result = call(prompt, False, verdict_json_schema())
    record.llm_call = result
    if result.error is not None:
        return SafetyGate._check_failed(record, CheckFailure.UNAVAILABLE, level)
    if checker.guard is not None:
        try:
            guard_verdict = config.guards.parse(checker.guard, result.output)
        except GuardParseError as error:
            log.warning("safety check answered no verdict: %s", error)
            return SafetyGate._check_failed(record, CheckFailure.UNCLEAR, level)
        record.guard_categories = guard_verdict.categories
        if guard_verdict.safe:
            return record
        record.llm_reason = ", ".join(guard_verdict.categories) or None
        return SafetyGate._blocked(record, guard_verdict.category or SafetyCategory.OTHER, level)
    try:
        verdict = parse_verdict(result.output)
    except VerdictParseError as error:
        log.warning("safety check answered no verdict: %s", error)
        return SafetyGate._check_failed(record, CheckFailure.UNCLEAR, level)
    record.llm_reason = verdict.reason
    if not verdict.safe:
        return SafetyGate._blocked(record, verdict.category or SafetyCategory.OTHER, level)
    return record
