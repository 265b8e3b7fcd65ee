"""Response models of the JSON endpoints whose shape exists only at the API (the domain's own models
answer directly where they fit). Each is listed in ``server/api/contract.py``, which the web client's
TypeScript types are generated from (``make api-types``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from server.catalog.models import LocalizedText, ModelLicence
from server.catalog.views import OutputMachinesView, UnavailableReasonView
from server.cloud.api_keys import KeyStatus
from server.comfyui.child_log import LogLine
from server.comfyui.pool import MachineStatus
from server.comfyui.status import ComfyUIStatus
from server.llm.builtin_models_in_use import BuiltinModelInUse
from server.llm.chat_types import ModelInfo
from server.model_files.folders import FolderLayout, FolderOrigin
from server.model_files.places import Place
from server.model_files.presence import ChecksumState, FileState
from server.notices import NoticeLevel
from server.settings.models import ComfyUIMode, Settings


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorDetail(Answer):
    code: str
    message: str


class ApiErrorBody(Answer):
    """Every 4xx/5xx of the API: a code for the program and a sentence for the person."""

    error: ErrorDetail


class Health(Answer):
    status: Literal["ok"]
    version: str


class WindowShown(Answer):
    window_shown: bool


class ProjectorWindowOpened(Answer):
    """False: the app has no window of its own (headless, or the UI in a browser): open a tab."""

    opened: bool


class NoticeView(Answer):
    code: str
    level: NoticeLevel
    message: str


class SystemInfo(Answer):
    version: str
    portable: bool
    data_dir: str
    notices: list[NoticeView]


class SettingsPolicyView(Answer):
    """The machine's lab policy: ``locked`` names top-level settings fields the page shows read-only;
    ``hide_settings`` leaves only the language."""

    locked: list[str]
    hide_settings: bool


class PublicSettings(Settings):
    """What the UI may see of the settings (the PIN's hash is not even in here)."""

    # A PIN exists but its file cannot be read: guarded changes are refused until school IT resets it.
    teacher_pin_locked: bool
    policy: SettingsPolicyView


class ComfyUIChangeAnswer(PublicSettings):
    # ComfyUI still runs with the settings from before: offer a restart.
    restart_needed: bool
    # This launch uses a ComfyUI chosen on the command line; the saved choice applies next time.
    command_line_override: bool


class KeyList(Answer):
    keys: list[KeyStatus]


class JobAccepted(Answer):
    """``202`` answer of a step that starts a job not tied to a run (model files, exports)."""

    job_id: str


class JobStarted(Answer):
    """``202`` answer of every workshop step that starts a job."""

    job_id: str
    run_id: str


class GenerationStarted(JobStarted):
    generation_id: str


class JobSummary(Answer):
    id: str
    kind: str
    state: Literal["queued", "running", "succeeded", "failed", "cancelled", "blocked"]
    run_id: str | None
    queue_position: int | None


class Deleted(Answer):
    deleted: str


class Removed(Answer):
    removed: str


class LlmProviderView(Answer):
    id: str
    kind: str
    name: LocalizedText
    base_url: str | None
    needs_key: bool
    key_set: bool
    is_cloud: bool | None


LlmStageName = Literal["safety", "interception", "optimization", "translation"]


class LlmProviders(Answer):
    providers: list[LlmProviderView]
    test_grade_stages: list[LlmStageName]
    # Whether the safety stage's model can judge context (a guard model or a marked LLM).
    safety_checker_capable: bool


class LlmModels(Answer):
    models: list[ModelInfo]


class LlmTestResult(Answer):
    """``POST /api/llm/test``: a failure is an answer with ``ok: false`` and a plain message."""

    ok: bool
    stage: LlmStageName | None
    provider_id: str
    model: str
    duration_ms: int
    reply: str | None
    error: ErrorDetail | None


class ComfyUIStatusView(ComfyUIStatus):
    # What the state means, in the UI language.
    message: str


class ComfyUIMachineView(Answer):
    """One machine of the ComfyUI pool; ``message`` says its reason in plain words (no header, ever)."""

    status: MachineStatus
    message: str | None = None


class ComfyUIPoolView(Answer):
    machines: list[ComfyUIMachineView]
    # Generations that may run at once (one per ready machine).
    slots: int


class ComfyUILogs(Answer):
    lines: list[LogLine]
    last: int


class ModelFolderView(Answer):
    id: str
    path: str
    layout: FolderLayout
    origin: FolderOrigin
    enabled: bool
    folder_keys: list[str]


class ModelFoldersView(Answer):
    find_existing: bool
    restart_needed: bool
    folders: list[ModelFolderView]


class FindExisting(Answer):
    find_existing: bool


class OutputModels(Answer):
    id: str
    name: LocalizedText
    media_type: str
    files: list[str]
    size: int
    ready: bool
    reasons: list[UnavailableReasonView]
    # With several ComfyUI machines: on how many ready ones it can run now, of how many in use.
    machines: OutputMachinesView | None = None


class ModelFileInfo(Answer):
    id: str
    name: LocalizedText
    # The ComfyUI folder key (checkpoints, text_encoders, ...) or "llm".
    folder: str
    filename: str
    size: int
    # False: ``size`` is a rounded figure.
    size_exact: bool
    sha256_known: bool
    downloadable: bool
    licence: ModelLicence
    notes: LocalizedText | None
    used_by: list[str]
    state: FileState
    checksum: ChecksumState | None
    path: str | None
    size_on_disk: int | None
    location_id: str | None
    origin: FolderOrigin | None
    # Bytes of an unfinished download that the next download continues.
    partial_download: int | None
    # Whether the running ComfyUI offers the file in its loader lists; null when it cannot say.
    comfyui_listed: bool | None
    busy: bool


class ModelsOverviewView(Answer):
    models_dir: str
    free_bytes: int
    offline: bool
    comfyui_mode: ComfyUIMode
    # Model folders changed since ComfyUI started: it reads them only when it starts.
    restart_needed: bool
    outputs: list[OutputModels]
    files: list[ModelFileInfo]
    folders: list[ModelFolderView]
    find_existing: bool
    # Model jobs that are still queued or running.
    jobs: list[str]
    # The built-in language engine's models the settings use (not catalog model files).
    engine_models: list[BuiltinModelInUse]


class Places(Answer):
    places: list[Place]
