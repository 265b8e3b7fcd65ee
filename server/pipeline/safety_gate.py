"""Stage 1 (the idea) and stage 3 (the prompt before generation): may this text go on?

First the term lists (fast, whole words, both languages, §86a at every level but research); then,
for kids and youth, an LLM context check with a strict JSON verdict where the lists are unsure (a
word that depends on context was found), or for every text when the teacher chose so. At kids and
youth the gate fails closed: an unreachable checker or an answer that is not a verdict stops the run.
A block is a result recorded in the run with a child-friendly explanation, not an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from server.catalog.models import LlmParameters
from server.config_file import ConfigFileError
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language
from server.pipeline.llm_calls import LlmCaller, LlmStage
from server.pipeline.prompt import ThreePartPrompt
from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.check_instructions import CheckStage, LlmCheckInstructions
from server.pipeline.safety.explanations import CheckFailure, block_message_code, check_failure_message_code
from server.pipeline.safety.negative_prompt import NegativePrompts, combine_negative_prompts
from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import TermListError
from server.pipeline.safety.verdict import VerdictParseError, parse_verdict, verdict_json_schema
from server.runs.models import SafetyVerdictRecord, TermHitRecord
from server.settings.safety_level import SafetyLevel

log = logging.getLogger(__name__)

CONFIG_BROKEN_CODE = "safety_config_broken"
# Deterministic and short: a verdict, not prose.
CHECK_PARAMETERS = LlmParameters(temperature=0.0, max_tokens=200)


@dataclass(frozen=True)
class SafetyConfig:
    term_filter: TermFilter
    instructions: LlmCheckInstructions
    negative_prompts: NegativePrompts

    @classmethod
    def load(cls, safety_dir: Path) -> SafetyConfig:
        return cls(
            TermFilter.from_directory(safety_dir / "terms"),
            LlmCheckInstructions.from_file(safety_dir / "llm_check.json"),
            NegativePrompts.from_file(safety_dir / "negative_prompts.json"),
        )


class SafetyGate:
    """Compiles its term lists in the background (a few hundred ms) so the app's start does not wait;
    the first check waits for them. If they cannot be loaded, every check fails closed."""

    def __init__(self, safety_dir: Path, llm: LlmCaller, on_broken: Callable[[str], None]) -> None:
        self._llm = llm
        self._verdict_schema = verdict_json_schema()
        self._config: SafetyConfig | None = None
        self._ready = threading.Event()

        def load() -> None:
            try:
                self._config = SafetyConfig.load(safety_dir)
            except (TermListError, ConfigFileError) as error:
                log.error("the safety configuration is broken; every check will stop runs: %s", error)
                on_broken(str(error))
            finally:
                self._ready.set()

        threading.Thread(target=load, name="safety-lists", daemon=True).start()

    def _loaded(self) -> SafetyConfig | None:
        self._ready.wait()
        return self._config

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
    ) -> SafetyVerdictRecord:
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
        if not level.runs_llm_check or not (always_ask_llm or terms.needs_review):
            return record

        prompt_texts = config.instructions.prompt(level, stage, language)
        call = self._llm.call(
            LlmStage.SAFETY,
            ThreePartPrompt(
                task=prompt_texts.task, context=prompt_texts.context, input=text, language=language
            ),
            CHECK_PARAMETERS,
            cancelled=cancelled,
            json_schema=self._verdict_schema,
        )
        record.llm_checked = True
        record.llm_call = call
        if call.error is not None:
            return self._check_failed(record, CheckFailure.UNAVAILABLE, level)
        try:
            verdict = parse_verdict(call.output)
        except VerdictParseError as error:
            log.warning("safety check answered no verdict: %s", error)
            return self._check_failed(record, CheckFailure.UNCLEAR, level)
        record.llm_reason = verdict.reason
        if not verdict.safe:
            return self._blocked(record, verdict.category or SafetyCategory.OTHER, level)
        return record

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
