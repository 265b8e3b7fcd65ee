"""Reads configs/ and chunks/ into a Catalog.

A broken file is skipped and reported (file + field), and so is everything that depends on it, so
the app always starts with whatever is valid. Order matters: media types and model files first,
then chunks, then the configs that reference them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from server.catalog.live_interceptions import LiveInterceptions
from server.catalog.models import (
    Chunk,
    CloudChunk,
    ComfyUIChunk,
    InterceptionConfig,
    LanguagesFile,
    LlmChunk,
    MappedParameter,
    MediaTypeInfo,
    MediaTypeRegistryFile,
    ModelFile,
    ModelManifestFile,
    OutputConfig,
    OutputDefaults,
)
from server.catalog.problems import (
    CatalogProblem,
    ProblemCode,
    problem_from_json_error,
    problems_from_validation,
)
from server.catalog.registry import Catalog

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
_CHUNK_TAGS = frozenset({"llm", "comfyui", "cloud"})
_chunk_adapter: TypeAdapter[LlmChunk | ComfyUIChunk | CloudChunk] = TypeAdapter(Chunk)
# Numbers a cloud request template may use; the output's defaults must give them a value.
_DEFAULTED_NUMBERS = (
    MappedParameter.STEPS,
    MappedParameter.CFG,
    MappedParameter.WIDTH,
    MappedParameter.HEIGHT,
    MappedParameter.DURATION,
    MappedParameter.FRAMES,
    MappedParameter.FPS,
)


class CatalogLoader:
    def __init__(self, resource_root: Path) -> None:
        self._root = resource_root
        self._problems: list[CatalogProblem] = []
        self._chunk_kinds: dict[str, str] = {}

    def load(self) -> Catalog:
        self._problems = []
        configs = self._root / "configs"
        media_types = self._load_media_types(configs / "media_types.json")
        models = self._load_models(configs / "models.json")
        languages = self._parse(configs / "languages.json", LanguagesFile.model_validate) or LanguagesFile(
            languages={}, stopwords={}
        )
        llm_chunks, comfyui_chunks, cloud_chunks = self._load_chunks(self._root / "chunks")
        interceptions = {
            stem: config
            for stem, config in self._load_folder(configs / "interception", InterceptionConfig).items()
            if self._interception_refs_ok(stem, config, llm_chunks, languages)
        }
        outputs = {
            stem: config
            for stem, config in self._load_folder(configs / "output", OutputConfig).items()
            if self._output_refs_ok(stem, config, comfyui_chunks, cloud_chunks, media_types, models)
        }
        for problem in self._problems:
            log.warning(
                "catalog problem: %s field=%s %s %s",
                problem.file,
                problem.field,
                problem.code.value,
                problem.params,
            )
        return Catalog(
            interceptions=LiveInterceptions(interceptions),
            outputs=outputs,
            llm_chunks=llm_chunks,
            comfyui_chunks=comfyui_chunks,
            media_types=media_types,
            models=models,
            languages=languages,
            problems=list(self._problems),
            cloud_chunks=cloud_chunks,
        )

    # ------------------------------------------------------------------ reading

    def _relative(self, path: Path) -> str:
        return path.relative_to(self._root).as_posix()

    def _read_json(self, path: Path) -> object | None:
        name = self._relative(path)
        try:
            parsed: object = json.loads(path.read_text(encoding="utf-8"))
            return parsed
        except json.JSONDecodeError as exc:
            self._problems.append(problem_from_json_error(name, exc))
        except (OSError, UnicodeDecodeError) as exc:
            self._problems.append(
                CatalogProblem(
                    file=name, field=None, code=ProblemCode.UNREADABLE, params={"detail": str(exc)}
                )
            )
        return None

    def _parse(
        self, path: Path, validate: Callable[[object], T], union_tags: frozenset[str] = frozenset()
    ) -> T | None:
        raw = self._read_json(path)
        if raw is None:
            return None
        try:
            return validate(raw)
        except ValidationError as exc:
            self._problems.extend(problems_from_validation(self._relative(path), exc, union_tags))
            return None

    def _load_folder(self, folder: Path, model: type[M]) -> dict[str, M]:
        loaded: dict[str, M] = {}
        for path in sorted(folder.glob("*.json")):
            parsed = self._parse(path, model.model_validate)
            if parsed is not None:
                loaded[path.stem] = parsed
        return loaded

    def _load_media_types(self, path: Path) -> dict[str, MediaTypeInfo]:
        parsed = self._parse(path, MediaTypeRegistryFile.model_validate)
        return dict(parsed.media_types) if parsed else {}

    def _load_models(self, path: Path) -> dict[str, ModelFile]:
        parsed = self._parse(path, ModelManifestFile.model_validate)
        return {model.id: model for model in parsed.models} if parsed else {}

    def _load_chunks(
        self, folder: Path
    ) -> tuple[dict[str, LlmChunk], dict[str, ComfyUIChunk], dict[str, CloudChunk]]:
        llm: dict[str, LlmChunk] = {}
        comfyui: dict[str, ComfyUIChunk] = {}
        cloud: dict[str, CloudChunk] = {}
        self._chunk_kinds = {}
        for path in sorted(folder.glob("*.json")):
            chunk = self._parse(path, _chunk_adapter.validate_python, _CHUNK_TAGS)
            if isinstance(chunk, LlmChunk):
                llm[path.stem] = chunk
            elif isinstance(chunk, ComfyUIChunk) and self._workflow_ok(path, chunk):
                comfyui[path.stem] = chunk
            elif isinstance(chunk, CloudChunk):
                cloud[path.stem] = chunk
            else:
                continue
            # Only chunks that loaded: a broken one is "unknown" to whatever refers to it.
            self._chunk_kinds[path.stem] = chunk.kind
        return llm, comfyui, cloud

    # ------------------------------------------------------------------ references

    def _report(self, file: str, field: str, code: ProblemCode, **params: str) -> None:
        self._problems.append(CatalogProblem(file=file, field=field, code=code, params=params))

    def _workflow_ok(self, path: Path, chunk: ComfyUIChunk) -> bool:
        name = self._relative(path)
        before = len(self._problems)
        for node_id, node in chunk.workflow.items():
            for input_name, value in node.inputs.items():
                # A link is [source_node_id, output_index]; it must point at a node of this workflow.
                if (
                    isinstance(value, list)
                    and len(value) == 2
                    and isinstance(value[0], str)
                    and isinstance(value[1], int)
                    and value[0] not in chunk.workflow
                ):
                    self._report(
                        name,
                        f"workflow.{node_id}.inputs.{input_name}",
                        ProblemCode.BROKEN_LINK,
                        node=value[0],
                    )
        for parameter, targets in chunk.input_mappings.items():
            for index, target in enumerate(chunk.targets(parameter)):
                where = f"input_mappings.{parameter.value}"
                if isinstance(targets, list):
                    where += f".{index}"
                mapped_node = chunk.workflow.get(target.node)
                if mapped_node is None:
                    self._report(name, f"{where}.node", ProblemCode.UNKNOWN_NODE, node=target.node)
                elif target.input not in mapped_node.inputs:
                    self._report(
                        name,
                        f"{where}.input",
                        ProblemCode.UNKNOWN_NODE_INPUT,
                        node=target.node,
                        input=target.input,
                        class_type=mapped_node.class_type,
                    )
        return len(self._problems) == before

    def _interception_refs_ok(
        self, stem: str, config: InterceptionConfig, llm_chunks: dict[str, LlmChunk], languages: LanguagesFile
    ) -> bool:
        name = f"configs/interception/{stem}.json"
        before = len(self._problems)
        if config.task_chunk not in llm_chunks:
            self._report(name, "task_chunk", ProblemCode.UNKNOWN_CHUNK, chunk=config.task_chunk)
        if config.recursion is not None:
            for index, code in enumerate(config.recursion.languages):
                if code not in languages.languages:
                    self._report(
                        name, f"recursion.languages.{index}", ProblemCode.UNKNOWN_LANGUAGE, language=code
                    )
        return len(self._problems) == before

    def _output_refs_ok(
        self,
        stem: str,
        config: OutputConfig,
        comfyui_chunks: dict[str, ComfyUIChunk],
        cloud_chunks: dict[str, CloudChunk],
        media_types: dict[str, MediaTypeInfo],
        models: dict[str, ModelFile],
    ) -> bool:
        name = f"configs/output/{stem}.json"
        before = len(self._problems)
        if config.media_type not in media_types:
            self._report(name, "media_type", ProblemCode.UNKNOWN_MEDIA_TYPE, media_type=config.media_type)
        # A ComfyUI output runs a workflow chunk, a cloud output (openai, openrouter) a cloud chunk.
        chunks: dict[str, ComfyUIChunk] | dict[str, CloudChunk] = (
            cloud_chunks if config.backend.is_cloud else comfyui_chunks
        )
        if config.chunk not in chunks:
            if config.chunk in self._chunk_kinds:
                self._report(
                    name, "chunk", ProblemCode.WRONG_CHUNK_KIND, chunk=config.chunk, kind=config.backend.value
                )
            else:
                self._report(name, "chunk", ProblemCode.UNKNOWN_CHUNK, chunk=config.chunk)
        cloud_chunk = cloud_chunks.get(config.chunk) if config.backend.is_cloud else None
        if cloud_chunk is not None:
            self._check_defaults(name, cloud_chunk, config.defaults)
        for index, model_id in enumerate(config.models):
            if model_id not in models:
                self._report(name, f"models.{index}", ProblemCode.UNKNOWN_MODEL, model=model_id)
        return len(self._problems) == before

    def _check_defaults(self, name: str, chunk: CloudChunk, defaults: OutputDefaults) -> None:
        used = chunk.parameters()
        for parameter in _DEFAULTED_NUMBERS:
            if parameter in used and getattr(defaults, parameter.value) is None:
                field = f"defaults.{parameter.value}"
                self._report(name, field, ProblemCode.MISSING_DEFAULT, parameter=parameter.value)
