"""The settings a teacher can change, as stored in settings.json."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The level's behaviour (which lists, LLM check, fail closed) lives with the safety stage.
from server.settings.safety_level import SafetyLevel


class ComfyUIMode(StrEnum):
    MANAGED = "managed"  # we start and supervise a ComfyUI install
    EXTERNAL = "external"  # a running ComfyUI at a URL (e.g. a school GPU server)
    NONE = "none"  # cloud only


class PoolMachineSettings(BaseModel):
    """One more ComfyUI of the pool. Its HTTP header (a reverse proxy's login) lives in secrets."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048)
    name: str | None = Field(default=None, max_length=100)
    enabled: bool = True
    # Only whether a header is stored; its value is in secrets.json (key comfyui_header:<url>).
    header_name: str | None = Field(default=None, max_length=100)


class ComfyUISettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: ComfyUIMode = ComfyUIMode.NONE
    directory: str | None = None
    python: str | None = None
    url: str | None = None
    # Extra ComfyUI flags for the device, e.g. ["--lowvram"] or ["--cpu"]; None: "--cpu" without a GPU.
    device_flags: list[str] | None = None
    # More ComfyUI machines (e.g. school GPU servers) that work beside the one above as one pool.
    machines: list[PoolMachineSettings] = Field(default_factory=list)


class ProviderChoice(BaseModel):
    """The setting for one pipeline stage: which provider, which model, optionally which address."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider_id: str = Field(min_length=1)
    model: str = Field(min_length=1)
    # Needed for "custom"; for the others it replaces the preset's address (e.g. Ollama on another PC).
    base_url: str | None = None


# The built-in engine with the small test model that comes with a developer install; schools import a
# real model (configs/models.json lists recommended ones) and choose it here.
DEFAULT_LLM = ProviderChoice(provider_id="builtin", model="smollm2-135m-instruct")


class LlmStageSettings(BaseModel):
    """Which provider and model serves each LLM stage: one setting each, in one place."""

    model_config = ConfigDict(extra="forbid")

    safety: ProviderChoice = DEFAULT_LLM
    interception: ProviderChoice = DEFAULT_LLM
    optimization: ProviderChoice = DEFAULT_LLM
    translation: ProviderChoice = DEFAULT_LLM


class ModelFolderSettings(BaseModel):
    """Model folders of other tools that ComfyUI reads in place (nothing is copied)."""

    model_config = ConfigDict(extra="forbid")

    # Folders the teacher chose (a ComfyUI or SwarmUI models folder, or the tool's own folder).
    chosen: list[str] = Field(default_factory=list)
    # Look for an existing ComfyUI or SwarmUI in its usual places and use its models folder.
    find_existing: bool = True
    # Found folders the teacher switched off.
    ignored: list[str] = Field(default_factory=list)


class ComfyUISources(BaseModel):
    """Where "Install ComfyUI for me" takes packages from instead of the release pin's indexes.

    A school's package mirror (PEP 503 simple index) or a wheel folder, remembered for the next
    update once someone entered it.
    """

    model_config = ConfigDict(extra="forbid")

    package_index: str | None = Field(default=None, max_length=2048)
    wheel_folder: str | None = Field(default=None, max_length=4096)


# The LAN port of classroom mode: fixed (students type or scan it), above the privileged range.
DEFAULT_CLASSROOM_PORT = 8765
MAX_PER_STUDENT_LIMIT = 10


class ClassroomSettings(BaseModel):
    """Classroom mode's remembered choices (docs/classroom.md); the class itself is never stored."""

    model_config = ConfigDict(extra="forbid")

    # The LAN address students reach the app on; None: the app suggests one of this machine's.
    address: str | None = Field(default=None, max_length=64)
    port: int = Field(default=DEFAULT_CLASSROOM_PORT, ge=1024, le=65535)
    # Generations one student may have waiting or running at once.
    per_student_limit: int = Field(default=1, ge=1, le=MAX_PER_STUDENT_LIMIT)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # Raise it only together with a migration (server/settings/migrations.py, docs/settings.md).
    schema_version: Literal[5] = 5
    language: Literal["de", "en"] = "de"
    safety_level: SafetyLevel = SafetyLevel.KIDS
    # When the LLM context check runs for kids and youth: where the term lists are unsure (a
    # context-dependent word was found), or for every text (needs a capable local or cloud model).
    safety_llm_check: Literal["when_unsure", "always"] = "when_unsure"
    # A new install stays offline until a teacher decides otherwise.
    offline: bool = True
    comfyui: ComfyUISettings = Field(default_factory=ComfyUISettings)
    comfyui_sources: ComfyUISources = Field(default_factory=ComfyUISources)
    llm: LlmStageSettings = Field(default_factory=LlmStageSettings)
    model_folders: ModelFolderSettings = Field(default_factory=ModelFolderSettings)
    # Whether a teacher PIN exists; its hash lives apart, in teacher-pin.json (teacher_pin_file.py).
    teacher_pin_set: bool = False
    # The first-run wizard was finished or skipped; until then the app opens it at start.
    first_run_done: bool = False
    classroom: ClassroomSettings = Field(default_factory=ClassroomSettings)

    def public(self) -> dict[str, object]:
        """What the UI may see (the PIN's hash is not even in here)."""
        return self.model_dump(mode="json")


class LlmStagePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    safety: ProviderChoice | None = None
    interception: ProviderChoice | None = None
    optimization: ProviderChoice | None = None
    translation: ProviderChoice | None = None


class SettingsPatch(BaseModel):
    """The general settings call (the safety level has its own). A change of ``safety_llm_check`` or
    of the safety stage's model needs the teacher PIN once one is set."""

    model_config = ConfigDict(extra="forbid")

    language: Literal["de", "en"] | None = None
    safety_llm_check: Literal["when_unsure", "always"] | None = None
    llm: LlmStagePatch | None = None
    first_run_done: bool | None = None
    pin: str | None = Field(default=None, max_length=64)


class SafetyLevelChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: SafetyLevel
    pin: str | None = Field(default=None, max_length=64)


class OfflineChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offline: bool
    pin: str | None = Field(default=None, max_length=64)


class ComfyUIChange(BaseModel):
    """`PUT /api/settings/comfyui`: how the app reaches ComfyUI (device flags stay as they are)."""

    model_config = ConfigDict(extra="forbid")

    mode: ComfyUIMode
    directory: str | None = Field(default=None, max_length=4096)
    python: str | None = Field(default=None, max_length=4096)
    url: str | None = Field(default=None, max_length=2048)
    # None: the pool's other machines stay as they are.
    machines: list[PoolMachineChange] | None = Field(default=None, max_length=32)


class PoolMachineChange(BaseModel):
    """One machine in `PUT /api/settings/comfyui`; ``header_value`` None keeps a stored header."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048)
    name: str | None = Field(default=None, max_length=100)
    enabled: bool = True
    header_name: str | None = Field(default=None, max_length=100)
    header_value: str | None = Field(default=None, max_length=4096)


class PinChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_pin: str | None = Field(default=None, max_length=64)
    # The format (4-12 ASCII digits) is checked by teacher_pin.require_pin_format, with a plain message.
    new_pin: str = Field(max_length=64)
