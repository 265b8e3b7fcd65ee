"""The language model providers for the settings page: presets, whether their key is set, their models."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.llm.provider_registry import ProviderRegistry
from server.pipeline.llm_calls import LlmCaller


def llm_blueprint(registry: ProviderRegistry, llm: LlmCaller) -> Blueprint:
    bp = Blueprint("llm", __name__)

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
            }
        )

    @bp.get("/api/llm/providers/<provider_id>/models")
    def models(provider_id: str) -> Response:
        base_url = request.args.get("base_url") or None
        listed = llm.list_models(provider_id, base_url)
        return jsonify({"models": [model.model_dump() for model in listed]})

    return bp
