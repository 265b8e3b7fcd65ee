"""The language model providers for the settings page: presets, whether their key is set, their models."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.api.language import request_language
from server.api.request_body import parse_body
from server.i18n.translator import Translator
from server.llm.provider_registry import ProviderRegistry
from server.pipeline.llm_calls import LlmCaller, LlmStage
from server.pipeline.requests import LlmTestRequest
from server.pipeline.safety_gate import SafetyGate
from server.settings.store import SettingsStore


def llm_blueprint(
    registry: ProviderRegistry,
    llm: LlmCaller,
    translator: Translator,
    settings: SettingsStore,
    gate: SafetyGate | None = None,
) -> Blueprint:
    bp = Blueprint("llm", __name__)

    @bp.post("/api/llm/test")
    def test() -> Response:
        """One tiny real chat request; a failure is an answer (ok: false) with a plain message."""
        body = parse_body(LlmTestRequest)
        choice = llm.choice(LlmStage(body.stage)) if body.stage is not None else body.choice
        assert choice is not None  # the request model wants one of both
        result = llm.test(choice)
        error = None
        if result.error is not None:
            error = {
                "code": result.error.code,
                "message": translator.translate(
                    result.error.code, request_language(settings), result.error.params
                ),
            }
        return jsonify(
            {
                "ok": result.error is None,
                "stage": body.stage,
                "provider_id": result.provider_id,
                "model": result.model,
                "duration_ms": result.duration_ms,
                "reply": result.reply,
                "error": error,
            }
        )

    @bp.get("/api/llm/providers")
    def providers() -> Response:
        return jsonify(
            {
                "providers": [
                    {
                        "id": preset.id,
                        "kind": preset.kind,
                        "name": preset.names.model_dump(),
                        "base_url": preset.base_url,
                        "needs_key": preset.needs_key,
                        "key_set": registry.key_is_set(preset.id),
                        "is_cloud": preset.is_cloud,
                    }
                    for preset in registry.presets()
                ],
                "test_grade_stages": [stage.value for stage in llm.uses_test_grade_model()],
                # Whether the safety stage's model can judge context; False: term lists only.
                "safety_checker_capable": gate.checker().capable if gate is not None else False,
            }
        )

    @bp.get("/api/llm/providers/<provider_id>/models")
    def models(provider_id: str) -> Response:
        base_url = request.args.get("base_url") or None
        listed = llm.list_models(provider_id, base_url)
        return jsonify({"models": [model.model_dump() for model in listed]})

    return bp
