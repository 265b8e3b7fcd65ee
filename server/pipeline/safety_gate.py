"""Stage 1 (the idea) and stage 3 (the prompt before generation): may this text go on?

First the term lists (fast, whole words, both languages, §86a at every level but research); then,
for kids and youth, an LLM context check with a strict JSON verdict where the lists are unsure (a
word that depends on context was found), or for every text when the teacher chose so. At kids and
youth the gate fails closed: an unreachable checker or an answer that is not a verdict stops the run.
A block is a result recorded in the run with a child-friendly explanation, not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from server.catalog.models import LlmParameters
from server.config_file import ConfigFileError
from server.i18n.translator import Language
from server.pipeline.llm_calls import LlmCaller, LlmStage
from server.pipeline.prompt import ThreePartPrompt
from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.check_instructions import CheckStage, LlmCheckInstructions
from server.pipeline.safety.explanations import CheckFailure, block_message_code, check_failure_message_code
from server.pipeline.safety.levels import SafetyLevel
from server.pipeline.safety.negative_prompt import NegativePrompts, combine_negative_prompts
from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import TermListError
from server.pipeline.safety.verdict import VerdictParseError, parse_verdict, verdict_json_schema
from server.runs.models import SafetyVerdictRecord, TermHitRecord

log = logging.getLogger(__name__)

CONFIG_BROKEN_CODE = "safety_config_broken"
# Deterministic and short: a verdict, not prose.
CHECK_PARAMETERS = LlmParameters(temperature=0.0, max_tokens=200)


class SafetyGate:
    def __init__(
        self,
        term_filter: TermFilter | None,
        instructions: LlmCheckInstructions | None,
        negative_prompts: NegativePrompts | None,
        llm: LlmCaller,
    ) -> None:
        self._filter = term_filter
        self._instructions = instructions
        self._negative_prompts = negative_prompts
        self._llm = llm
        self._verdict_schema = verdict_json_schema()

    @classmethod
    def from_config(cls, safety_dir: Path, llm: LlmCaller) -> tuple[SafetyGate, str | None]:
        """The gate, and a log-worthy reason if the lists could not be loaded (then it fails closed)."""
        problem = None
        term_filter = instructions = negative_prompts = None
        try:
            term_filter = TermFilter.from_directory(safety_dir / "terms")
            instructions = LlmCheckInstructions.from_file(safety_dir / "llm_check.json")
            negative_prompts = NegativePrompts.from_file(safety_dir / "negative_prompts.json")
        except (TermListError, ConfigFileError) as error:
            problem = str(error)
            log.error("the safety configuration is broken; every check will stop runs: %s", problem)
        return cls(term_filter, instructions, negative_prompts, llm), problem

    def negative_prompt(self, level: SafetyLevel, *extra: str | None) -> str:
        """Stage 3's negative prompt: the level's terms, then the output's and the student's own."""
        if self._negative_prompts is None:
            return combine_negative_prompts(*extra)
        return self._negative_prompts.for_level(level, *extra)

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
        if self._filter is None or self._instructions is None or self._negative_prompts is None:
            record.decision = "blocked"
            record.explanation_code = CONFIG_BROKEN_CODE
            return record

        terms = self._filter.check(text, level)
        record.term_hits = [
            TermHitRecord(term=hit.term, list_id=hit.list_id, category=hit.category.value)
            for hit in terms.hits
        ]
        if terms.blocked:
            category = terms.category or SafetyCategory.OTHER
            return self._blocked(record, category, level)
        if not level.runs_llm_check or not (always_ask_llm or terms.needs_review):
            return record

        prompt_texts = self._instructions.prompt(level, stage, language)
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
