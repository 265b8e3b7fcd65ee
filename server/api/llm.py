"""The language model providers for the settings page: presets, whether their key is set, their models."""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.api.answers import ErrorDetail, LlmModels, LlmProviders, LlmProviderView, LlmTestResult
from server.api.contract import answer
from server.api.messages import LocalizedMessages
from server.api.request_body import parse_body
from server.llm.provider_registry import ProviderRegistry
from server.pipeline.llm_calls import LlmCaller, LlmStage
from server.pipeline.requests import LlmTestRequest
from server.pipeline.safety_gate import SafetyGate


def llm_blueprint(
    registry: ProviderRegistry, llm: LlmCaller, messages: LocalizedMessages, gate: SafetyGate
) -> Blueprint:
    bp = Blueprint("llm", __name__)

    @bp.post("/api/llm/test")
    def test() -> tuple[Response, int]:
        """One tiny real chat request; a failure is an answer (ok: false) with a plain message."""
        body = parse_body(LlmTestRequest)
        choice = llm.choice(LlmStage(body.stage)) if body.stage is not None else body.choice
        assert choice is not None  # the request model wants one of both
        result = llm.test(choice)
        error = None
        if result.error is not None:
            error = ErrorDetail(
                code=result.error.code, message=messages.text(result.error.code, result.error.params)
            )
        return answer(
            LlmTestResult(
                ok=result.error is None,
                stage=body.stage,
                provider_id=result.provider_id,
                model=result.model,
                duration_ms=result.duration_ms,
                reply=result.reply,
                error=error,
            )
        )

    @bp.get("/api/llm/providers")
    def providers() -> tuple[Response, int]:
        return answer(
            LlmProviders(
                providers=[
                    LlmProviderView(
                        id=preset.id,
                        kind=preset.kind,
                        name=preset.names,
                        base_url=preset.base_url,
                        needs_key=preset.needs_key,
                        key_set=registry.key_is_set(preset.id),
                        is_cloud=preset.is_cloud,
                    )
                    for preset in registry.presets()
                ],
                test_grade_stages=[stage.value for stage in llm.uses_test_grade_model()],
                # Whether the safety stage's model can judge context; False: term lists only.
                safety_checker_capable=gate.checker().capable,
            )
        )

    @bp.get("/api/llm/providers/<provider_id>/models")
    def models(provider_id: str) -> tuple[Response, int]:
        base_url = request.args.get("base_url") or None
        return answer(LlmModels(models=llm.list_models(provider_id, base_url)))

    return bp
