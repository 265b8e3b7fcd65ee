"""Pydantic models of the files under configs/ and chunks/.

Every model forbids unknown fields: a misspelt field is a load error that names file and field,
never a silently ignored setting.
"""

from __future__ import annotations

import string
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from server.catalog.seed import SeedChoice

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(Strict):
    """A text the user sees, in both UI languages."""

    de: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]

    def get(self, language: str) -> str:
        return self.de if language == "de" else self.en


class LocalizedOptionalText(Strict):
    """A text that may be empty (the rules box of "Your call" starts empty)."""

    de: str
    en: str

    def get(self, language: str) -> str:
        return self.de if language == "de" else self.en


class Audience(Strict):
    min_age: int = Field(ge=6, le=99)


class LlmParameters(Strict):
    """Sampling parameters that reach the LLM provider unchanged."""

    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1, le=8192)


# ---------------------------------------------------------------- interception


class InterceptionCategory(StrEnum):
    ARTS = "arts"
    AESTHETICS = "aesthetics"
    SEMANTICS = "semantics"
    TECHNICAL_IMAGING = "technical_imaging"
    HERITAGE = "heritage"
    FREESTYLE = "freestyle"


class InterceptionKind(StrEnum):
    TRANSFORM = "transform"
    RECURSIVE = "recursive"  # the Telephone game: rounds through a chain of languages
    PASSTHROUGH = "passthrough"


class ResultKind(StrEnum):
    MEDIA = "media"  # the interception text goes on to an image, a sound or a video
    TEXT = "text"  # the interception text is the result (word games, slang)


class EndLanguage(StrEnum):
    """Where the Telephone game's chain ends."""

    STUDENT = "student"  # back home, in the language the student wrote in
    ENGLISH = "en"


TELEPHONE_MIN_ROUNDS = 3
TELEPHONE_MAX_ROUNDS = 10


class Recursion(Strict):
    rounds: int = Field(default=8, ge=TELEPHONE_MIN_ROUNDS, le=TELEPHONE_MAX_ROUNDS)
    # ISO 639-1 codes the chain may pass through; no language comes twice in one chain.
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]] = Field(min_length=2)
    end_language: EndLanguage = EndLanguage.STUDENT

    @model_validator(mode="after")
    def _pool_large_enough(self) -> Recursion:
        # Every round but the last needs a language of its own, and the end language may be in the pool.
        needed = self.rounds
        if len(set(self.languages)) < needed:
            raise ValueError(
                f"{self.rounds} rounds need at least {needed} different languages in the pool "
                f"(one per round, none twice); {len(set(self.languages))} are ticked"
            )
        return self


class InterceptionConfig(Strict):
    """An artistic attitude. Its id is the file stem."""

    name: LocalizedText
    description: LocalizedText
    category: InterceptionCategory
    kind: InterceptionKind = InterceptionKind.TRANSFORM
    context: LocalizedOptionalText
    icon: Annotated[str, StringConstraints(min_length=1, max_length=8)]
    color: HexColor
    order: int = Field(ge=0)
    audience: Audience
    parameters: LlmParameters = LlmParameters()
    task_chunk: Identifier = "interception"
    recursion: Recursion | None = None
    result: ResultKind = ResultKind.MEDIA

    @model_validator(mode="after")
    def _recursion_matches_kind(self) -> InterceptionConfig:
        if self.kind is InterceptionKind.RECURSIVE and self.recursion is None:
            raise ValueError("a 'recursive' attitude needs a 'recursion' block (rounds, languages)")
        if self.kind is not InterceptionKind.RECURSIVE and self.recursion is not None:
            raise ValueError("only a 'recursive' attitude may have a 'recursion' block")
        if self.kind is InterceptionKind.PASSTHROUGH and self.result is ResultKind.TEXT:
            raise ValueError("an attitude that passes the idea through unchanged cannot have a text result")
        return self


# ---------------------------------------------------------------- languages

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


class LanguageInfo(Strict):
    name: LocalizedText
    endonym: str


class LanguagesFile(Strict):
    """Languages the Telephone game can pass through, and stopwords to tell German from English."""

    languages: dict[LanguageCode, LanguageInfo]
    stopwords: dict[Literal["de", "en"], list[str]]


# ---------------------------------------------------------------- media types


class MediaTypeInfo(Strict):
    name: LocalizedText
    mime_types: list[Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+\-]+$")]] = Field(
        min_length=1
    )
    extensions: list[Annotated[str, StringConstraints(pattern=r"^\.[a-z0-9]+$")]] = Field(min_length=1)
    player: Literal["image", "audio", "video"]
    order: int = Field(ge=0)


class MediaTypeRegistryFile(Strict):
    media_types: dict[Identifier, MediaTypeInfo]


# ---------------------------------------------------------------- model files


class ModelFolder(StrEnum):
    """ComfyUI model folder keys (current names; legacy `clip`/`unet` are accepted on disk only)."""

    CHECKPOINTS = "checkpoints"
    DIFFUSION_MODELS = "diffusion_models"
    TEXT_ENCODERS = "text_encoders"
    VAE = "vae"
    LORAS = "loras"
    CLIP_VISION = "clip_vision"
    UPSCALE_MODELS = "upscale_models"
    AUDIO_ENCODERS = "audio_encoders"
    LLM = "llm"  # GGUF files of the built-in LLM engine; not a ComfyUI folder


class ModelLicence(Strict):
    name: Annotated[str, StringConstraints(min_length=1)]
    url: Annotated[str, StringConstraints(pattern=r"^https://")]


class ModelFile(Strict):
    id: Identifier
    name: LocalizedText
    folder: ModelFolder
    filename: Annotated[str, StringConstraints(pattern=r"^[^/\\]+\.(safetensors|gguf)$")]
    size: int = Field(gt=0, description="bytes")
    # False when ``size`` is a rounded figure (no exact source yet): a file then matches by a size
    # close to it, and only its sha256 (where known) proves it is the right one.
    size_exact: bool = True
    sha256: Sha256 | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https://")] | None = None
    licence: ModelLicence
    notes: LocalizedText | None = None
    # Good enough to be the safety stage's checker at kids and youth: then every text is asked.
    safety_classifier: bool = False
    # A dedicated guard model answers in its own format (configs/safety/guard_models.json), not
    # our JSON verdict; None for a general LLM.
    guard_format: Literal["llama_guard_3", "qwen3guard"] | None = None

    @model_validator(mode="after")
    def _guard_is_a_classifier(self) -> ModelFile:
        if self.guard_format is not None and not self.safety_classifier:
            raise ValueError("a model with a guard_format must be marked safety_classifier")
        return self


class ModelManifestFile(Strict):
    models: list[ModelFile]

    @field_validator("models")
    @classmethod
    def _unique_ids(cls, models: list[ModelFile]) -> list[ModelFile]:
        seen: set[str] = set()
        for model in models:
            if model.id in seen:
                raise ValueError(f"model id '{model.id}' appears twice")
            seen.add(model.id)
        return models


# ---------------------------------------------------------------- chunks


class LlmChunk(Strict):
    """The Task part of a 3-part LLM prompt (task, context, input)."""

    kind: Literal["llm"]
    description: str
    task: LocalizedText
    parameters: LlmParameters = LlmParameters()


class WorkflowNode(BaseModel):
    # A ComfyUI API-format node. Extra keys such as `_meta` are part of the format.
    model_config = ConfigDict(extra="allow", frozen=True)

    class_type: Annotated[str, StringConstraints(min_length=1)]
    inputs: dict[str, object]


class MappingTarget(Strict):
    node: Annotated[str, StringConstraints(min_length=1)]
    input: Annotated[str, StringConstraints(min_length=1)]


class MappedParameter(StrEnum):
    """What a generation request can put into a workflow."""

    PROMPT = "prompt"
    NEGATIVE_PROMPT = "negative_prompt"
    SEED = "seed"
    STEPS = "steps"
    CFG = "cfg"
    WIDTH = "width"
    HEIGHT = "height"
    DURATION = "duration"
    FRAMES = "frames"
    FPS = "fps"
    LYRICS = "lyrics"
    FILENAME_PREFIX = "filename_prefix"


class ComfyUIChunk(Strict):
    kind: Literal["comfyui"]
    description: str
    workflow: dict[str, WorkflowNode] = Field(min_length=1)
    input_mappings: dict[MappedParameter, MappingTarget | list[MappingTarget]]
    optimization_instruction: str | None = None

    def targets(self, parameter: MappedParameter) -> list[MappingTarget]:
        mapped = self.input_mappings.get(parameter)
        if mapped is None:
            return []
        return mapped if isinstance(mapped, list) else [mapped]

    def uses(self, parameter: MappedParameter) -> bool:
        return bool(self.targets(parameter))


class CloudMediaEncoding(StrEnum):
    """How a cloud answer carries a media file."""

    BASE64 = "base64"  # the file's bytes in base64 (OpenAI Images API: data[].b64_json)
    DATA_URI = "data_uri"  # data:<mime>;base64,<bytes> (OpenRouter: message.images[].image_url.url)


MimeType = Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+\-]+$")]
# A step into the answer's JSON: a key, a list index, or "*" for every item of a list.
JsonPathStep = Annotated[str, StringConstraints(min_length=1)] | Annotated[int, Field(ge=0)]


class CloudResponseMapping(Strict):
    """Where the media files are in the provider's JSON answer, and how they are encoded."""

    encoding: CloudMediaEncoding
    path: list[JsonPathStep] = Field(min_length=1)
    # What base64 bytes are when their first bytes do not say it (PNG, JPEG, WebP, ... they do).
    mime_type: MimeType | None = None


class CloudChunk(Strict):
    """A cloud API call: the JSON body sent to the provider's ``endpoint`` and how to read the answer.

    Strings in ``request`` may hold placeholders of generation parameters: ``"{prompt}"`` alone is
    replaced by the value itself (a number stays a number), ``"{width}x{height}"`` by the text. Literal
    braces are written ``{{`` and ``}}``. The provider (address, key) is the output's ``backend``.
    """

    kind: Literal["cloud"]
    description: str
    endpoint: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*(/[a-z0-9][a-z0-9_\-]*)*$")]
    request: dict[str, object] = Field(min_length=1)
    response: CloudResponseMapping
    # The longest silence while the provider works on the picture (no byte arrives meanwhile).
    timeout_s: float = Field(default=180.0, gt=0.0, le=900.0)
    optimization_instruction: str | None = None

    @model_validator(mode="after")
    def _placeholders_known(self) -> CloudChunk:
        fields = template_fields(self.request)
        unknown = sorted(fields - {parameter.value for parameter in MappedParameter})
        if unknown:
            raise ValueError(f"unknown placeholder(s) in request: {', '.join(unknown)}")
        if MappedParameter.PROMPT.value not in fields:
            raise ValueError("the request must contain the {prompt} placeholder")
        return self

    def parameters(self) -> frozenset[MappedParameter]:
        return frozenset(MappedParameter(name) for name in template_fields(self.request))

    def uses(self, parameter: MappedParameter) -> bool:
        return parameter in self.parameters()


def template_fields(value: object) -> set[str]:
    """Placeholder names in every string of a JSON value; malformed braces raise ValueError."""
    if isinstance(value, str):
        names: set[str] = set()
        for _, name, spec, conversion in string.Formatter().parse(value):
            if name is None:
                continue
            if not name or spec or conversion:
                raise ValueError(f"placeholders are plain names like {{prompt}}, not {value!r}")
            names.add(name)
        return names
    if isinstance(value, dict):
        return {name for item in value.values() for name in template_fields(item)}
    if isinstance(value, list):
        return {name for item in value for name in template_fields(item)}
    return set()


Chunk = Annotated[LlmChunk | ComfyUIChunk | CloudChunk, Field(discriminator="kind")]
OutputChunk = ComfyUIChunk | CloudChunk


# ---------------------------------------------------------------- outputs


class OutputBackend(StrEnum):
    """Where an output runs. A cloud backend's value is its provider id in configs/llm_providers.json."""

    COMFYUI = "comfyui"
    OPENAI = "openai"
    OPENROUTER = "openrouter"

    @property
    def is_cloud(self) -> bool:
        return self is not OutputBackend.COMFYUI


class OutputDefaults(Strict):
    seed: SeedChoice = "random"
    steps: int | None = Field(default=None, ge=1, le=200)
    cfg: float | None = Field(default=None, ge=0.0, le=30.0)
    width: int | None = Field(default=None, ge=16, le=4096)
    height: int | None = Field(default=None, ge=16, le=4096)
    duration: float | None = Field(default=None, gt=0.0, le=600.0, description="seconds")
    frames: int | None = Field(default=None, ge=1, le=1000)
    fps: float | None = Field(default=None, gt=0.0, le=120.0)
    negative_prompt: str | None = None


class OutputConfig(Strict):
    """A medium + model a student can pick. Its id is the file stem."""

    name: LocalizedText
    description: LocalizedText
    media_type: Identifier
    backend: OutputBackend
    chunk: Identifier
    defaults: OutputDefaults = OutputDefaults()
    models: list[Identifier] = []
    vram_gb: float = Field(ge=0.0, le=200.0)
    order: int = Field(ge=0)
    audience: Audience = Audience(min_age=8)
    selftest: bool = False
