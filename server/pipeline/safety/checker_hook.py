"""The LLM check on its own, for the evaluation bench (bench/safety_eval.py): one text, one level,
one configured checker, the same prompts and parsing as the app's gate, without the app around it.

    from server.pipeline.safety.checker_hook import CheckerEndpoint, check_with_checker
    endpoint = CheckerEndpoint(base_url="http://127.0.0.1:8080/v1", model="llama-guard-3-1b")
    record = check_with_checker("Ein Ritter mit Blut am Schwert", "kids", endpoint)
    record.decision, record.category, record.checker, record.guard_categories

The checker is any OpenAI-compatible server (a llama.cpp server with a guard GGUF, Ollama, the LLM
test server); its kind (guard format or our JSON verdict) is recognised as in the app. The term lists
are not run here: the bench runs them itself and calls this where it wants the checker's word.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from server.catalog.loader import CatalogLoader
from server.i18n.translator import Language
from server.llm.chat_client import ChatClient
from server.llm.chat_errors import LlmError
from server.llm.chat_types import ChatMessage, SamplingParameters
from server.pipeline.prompt import ThreePartPrompt
from server.pipeline.safety.check_instructions import CheckStage
from server.pipeline.safety.checker import describe_checker
from server.pipeline.safety_gate import CHECK_PARAMETERS, SafetyConfig, ask_checker
from server.resources import Resources
from server.runs.models import ErrorRecord, LlmCallRecord, PromptMessage, SafetyVerdictRecord
from server.settings.models import ProviderChoice
from server.settings.safety_level import SafetyLevel


@dataclass(frozen=True)
class CheckerEndpoint:
    base_url: str
    model: str
    api_key: str | None = None
    # "builtin" makes a GGUF file name count as in the app (the manifest's safety_classifier flags).
    provider_id: str = "custom"


def check_with_checker(
    text: str,
    level: str | SafetyLevel,
    endpoint: CheckerEndpoint,
    stage: CheckStage = CheckStage.INPUT,
    language: str = "en",
    safety_dir: Path | None = None,
) -> SafetyVerdictRecord:
    """The checker's verdict on ``text`` at ``level`` (kids or youth), as the gate would record it."""
    level = SafetyLevel(level)
    if not level.runs_llm_check:
        raise ValueError(f"the level '{level.value}' runs no LLM check")
    resources = Resources.locate()
    config = SafetyConfig.load(safety_dir or resources.app_configs / "safety")
    models = CatalogLoader(resources.app_root).load().models.values()
    choice = ProviderChoice(
        provider_id=endpoint.provider_id, model=endpoint.model, base_url=endpoint.base_url
    )
    checker = describe_checker(choice, models, config.guards)
    lang: Language = "de" if language == "de" else "en"
    record = SafetyVerdictRecord(stage=stage.value, level=level.value, decision="allowed")
    client = ChatClient(endpoint.base_url, api_key=endpoint.api_key, provider_label=endpoint.base_url)

    def call(
        prompt: ThreePartPrompt, bare_input: bool, json_schema: dict[str, object] | None
    ) -> LlmCallRecord:
        raw = [{"role": "user", "content": prompt.input}] if bare_input else prompt.to_messages()
        messages = [ChatMessage.model_validate(message) for message in raw]
        sampling = SamplingParameters(
            temperature=CHECK_PARAMETERS.temperature, max_tokens=CHECK_PARAMETERS.max_tokens
        )
        result = LlmCallRecord(
            provider=endpoint.provider_id,
            model=endpoint.model,
            task=prompt.task,
            context=prompt.context,
            input=prompt.input,
            messages=[PromptMessage(role=m.role, content=m.content) for m in messages],
        )
        started = time.monotonic()
        try:
            fmt = {"type": "json_object", "schema": json_schema} if json_schema is not None else None
            result.output = client.complete(endpoint.model, messages, sampling, fmt).text.strip()
        except LlmError as error:
            result.error = ErrorRecord(code=error.code, params=dict(error.params))
        result.duration_ms = round((time.monotonic() - started) * 1000)
        return result

    try:
        return ask_checker(record, checker, config, text, stage, level, lang, call)
    finally:
        client.close()
