"""The validated catalog, built once at start and read by every service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from server.catalog.live_interceptions import AttitudeOrigin, LiveInterceptions
from server.catalog.models import (
    CloudChunk,
    ComfyUIChunk,
    InterceptionConfig,
    LanguagesFile,
    LlmChunk,
    MediaTypeInfo,
    ModelFile,
    OutputChunk,
    OutputConfig,
)
from server.catalog.problems import CatalogProblem


@dataclass(frozen=True)
class Catalog:
    # Shipped attitudes plus the teachers' (changed live: see live_interceptions.py).
    interceptions: Mapping[str, InterceptionConfig]
    outputs: dict[str, OutputConfig]
    llm_chunks: dict[str, LlmChunk]
    comfyui_chunks: dict[str, ComfyUIChunk]
    media_types: dict[str, MediaTypeInfo]
    models: dict[str, ModelFile]
    languages: LanguagesFile
    problems: list[CatalogProblem] = field(default_factory=list)
    cloud_chunks: dict[str, CloudChunk] = field(default_factory=dict)

    def interception_origin(self, interception_id: str) -> AttitudeOrigin:
        if isinstance(self.interceptions, LiveInterceptions):
            return self.interceptions.origin(interception_id) or AttitudeOrigin.SHIPPED
        return AttitudeOrigin.SHIPPED

    def outputs_using_model(self, model_id: str) -> list[str]:
        return sorted(oid for oid, output in self.outputs.items() if model_id in output.models)

    def output_chunk(self, output: OutputConfig) -> OutputChunk | None:
        """The chunk that runs an output: a ComfyUI workflow or a cloud API call."""
        if output.backend.is_cloud:
            return self.cloud_chunks.get(output.chunk)
        return self.comfyui_chunks.get(output.chunk)
