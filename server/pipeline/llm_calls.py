"""Every LLM call of the pipeline goes through here: the stage's provider from the settings, the
3-part prompt turned into messages at the last moment, streaming with cancel, and a record of it all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from server.catalog.models import LlmParameters
from server.errors import AppError, ErrorKind
from server.llm.bundled_model import SMOLLM2_MODEL_ID
from server.llm.chat_errors import ChatCancelledError, LlmError
from server.llm.chat_types import ChatMessage, ModelInfo, SamplingParameters
from server.llm.provider_registry import ProviderRegistry
from server.pipeline.prompt import ThreePartPrompt
from server.runs.models import ErrorRecord, LlmCallRecord, PromptMessage
from server.settings.models import ProviderChoice
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)


class LlmStage(StrEnum):
    SAFETY = "safety"
    INTERCEPTION = "interception"
    OPTIMIZATION = "optimization"
    TRANSLATION = "translation"


# A tiny real request: enough to prove address, key and model work, cheap on every provider.
TEST_MESSAGES = (
    ChatMessage(role="system", content="You answer with one short word."),
    ChatMessage(role="user", content="Say OK."),
)
TEST_SAMPLING = SamplingParameters(temperature=0.0, max_tokens=8)
TEST_REPLY_MAX_CHARS = 200


@dataclass(frozen=True)
class LlmTestResult:
    """The outcome of a connection test: ``error`` (an AppError with code and facts) or the reply."""

    provider_id: str
    model: str
    duration_ms: int
    reply: str | None = None
    error: AppError | None = None


class StageCancelledError(Exception):
    """The job was cancelled while an LLM was answering."""


class LlmCaller:
    def __init__(self, registry: ProviderRegistry, settings: SettingsStore) -> None:
        self._registry = registry
        self._settings = settings

    def choice(self, stage: LlmStage) -> ProviderChoice:
        choice: ProviderChoice = getattr(self._settings.current.llm, stage.value)
        return choice

    def call(
        self,
        stage: LlmStage,
        prompt: ThreePartPrompt,
        parameters: LlmParameters,
        on_piece: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        json_schema: dict[str, object] | None = None,
        bare_input: bool = False,
    ) -> LlmCallRecord:
        """Runs one call (streamed when ``on_piece`` is given) and returns its record.

        A failure does not raise: it is in ``record.error``, so the caller can keep the record of the
        failed call in the run before it reports the failure (``raise_if_failed``). A cancel raises
        ``StageCancelledError``. The record never holds a key: keys live only in the client.
        ``bare_input``: only the input as the user turn (a guard model's chat template brings its
        own classification prompt; any system text of ours would disturb it).
        """
        choice = self.choice(stage)
        self._refuse_cloud_when_offline(choice)
        raw_messages = [{"role": "user", "content": prompt.input}] if bare_input else prompt.to_messages()
        messages = [ChatMessage.model_validate(message) for message in raw_messages]
        sampling = SamplingParameters(
            temperature=parameters.temperature, top_p=parameters.top_p, max_tokens=parameters.max_tokens
        )
        record = LlmCallRecord(
            provider=choice.provider_id,
            model=choice.model,
            parameters={k: v for k, v in sampling.model_dump().items() if v is not None},
            task=prompt.task,
            context=prompt.context,
            input=prompt.input,
            messages=[PromptMessage(role=m.role, content=m.content) for m in messages],
        )
        started = time.monotonic()
        try:
            resolved = self._registry.resolve(choice)
            if on_piece is None:
                response_format = _response_format(resolved.preset.structured_output, json_schema)
                record.output = resolved.client.complete(
                    resolved.model, messages, sampling, response_format
                ).text
            else:
                stream = resolved.client.stream(resolved.model, messages, sampling, cancel=cancelled)
                with stream:
                    for piece in stream:
                        on_piece(piece)
                record.output = stream.text
        except ChatCancelledError as exc:
            raise StageCancelledError from exc
        except LlmError as error:
            record.error = ErrorRecord(code=error.code, params=dict(error.params))
            log.warning("%s call to %s/%s failed: %s", stage.value, choice.provider_id, choice.model, error)
        finally:
            record.duration_ms = round((time.monotonic() - started) * 1000)
        record.output = record.output.strip()
        return record

    def test(self, choice: ProviderChoice) -> LlmTestResult:
        """Sends one tiny chat request through the normal client; a failure is a result, not raised."""
        started = time.monotonic()
        reply: str | None = None
        failure: AppError | None = None
        try:
            self._refuse_cloud_when_offline(choice)
            resolved = self._registry.resolve(choice)
            reply = resolved.client.complete(resolved.model, list(TEST_MESSAGES), TEST_SAMPLING).text
        except AppError as error:  # LlmError is one too
            failure = error
            log.info("LLM test of %s/%s failed: %s", choice.provider_id, choice.model, error)
        duration_ms = round((time.monotonic() - started) * 1000)
        shown = None if reply is None else reply.strip()[:TEST_REPLY_MAX_CHARS]
        return LlmTestResult(choice.provider_id, choice.model, duration_ms, shown, failure)

    def list_models(self, provider_id: str, base_url: str | None) -> list[ModelInfo]:
        """What a provider offers (for the settings page); offline mode keeps cloud providers closed."""
        self._refuse_cloud_when_offline(ProviderChoice(provider_id=provider_id, model="-", base_url=base_url))
        return self._registry.list_models(provider_id, base_url)

    def uses_test_grade_model(self) -> list[LlmStage]:
        """The stages served by the small bundled test model (its texts are not good enough for lessons)."""
        return [
            stage
            for stage in LlmStage
            if self.choice(stage).provider_id == "builtin" and self.choice(stage).model == SMOLLM2_MODEL_ID
        ]

    def _refuse_cloud_when_offline(self, choice: ProviderChoice) -> None:
        if self._settings.current.offline and self._registry.is_cloud(choice.provider_id, choice.base_url):
            raise AppError("llm_cloud_while_offline", ErrorKind.UNAVAILABLE, provider=choice.provider_id)


def raise_if_failed(record: LlmCallRecord) -> None:
    if record.error is not None:
        raise AppError(record.error.code, ErrorKind.UNAVAILABLE, **record.error.params)


def _response_format(mode: str, json_schema: dict[str, object] | None) -> dict[str, object] | None:
    if json_schema is None or mode == "none":
        return None
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": json_schema}
    return {"type": "json_object"}
