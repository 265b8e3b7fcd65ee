"""The API contract: every JSON endpoint answers one of the pydantic models listed here, and reads
its body or query through one listed here too. ``tools/api_types.py`` turns this list into one JSON
Schema and that into the web client's TypeScript types (``web/src/api/generated.ts``); ``make test``
fails when the file is older than the models.

A new endpoint: answer with ``answer(SomeModel(...))`` and add ``SomeModel`` (and its request model)
below; then ``make api-types``. Exceptions are file downloads, the SPA and the event streams (whose
event payloads are listed where they have a model).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from server.api import answers
from server.catalog import attitude_requests as attitude_models
from server.catalog import views as catalog_views
from server.catalog.teacher_attitudes import AttitudeBundle
from server.classroom import views as classroom_views
from server.cloud.api_keys import KeyChange, KeyRemoval, KeyStatus
from server.comfyui.child_log import LogLine
from server.comfyui_install.installer import InstallPointer, InstallStatus
from server.comfyui_install.plan import InstallPlan, PlanChoices
from server.comfyui_install.requests import BundleRequest as InstallBundleRequest
from server.comfyui_install.requests import InstallActionRequest, InstallRequest
from server.dismissed_notices import NoticeDismissal
from server.jobs import event_payloads
from server.llm.chat_types import ModelInfo
from server.model_files import requests as model_requests
from server.model_files.places import FolderListing, Place
from server.pipeline.requests import (
    GenerationRequest,
    InterceptionRequest,
    LlmTestRequest,
    OptimizationRequest,
    TeacherOverrideRequest,
)
from server.runs.export import ExportRequest
from server.runs.gallery import GalleryFacets, GalleryPage, GalleryQuery, RunDetail
from server.runs.models import RunRecord
from server.settings.disk_usage import StorageReport
from server.settings.models import (
    ComfyUIChange,
    OfflineChange,
    PinChange,
    SafetyLevelChange,
    SettingsPatch,
)

RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    answers.ApiErrorBody,
    answers.Health,
    answers.WindowShown,
    answers.SystemInfo,
    StorageReport,
    answers.PublicSettings,
    answers.ComfyUIChangeAnswer,
    answers.KeyList,
    KeyStatus,
    catalog_views.InterceptionCatalogView,
    catalog_views.OutputCatalogView,
    catalog_views.CatalogProblemsView,
    attitude_models.AttitudeDetail,
    attitude_models.AttitudeList,
    AttitudeBundle,
    answers.JobSummary,
    answers.JobStarted,
    answers.GenerationStarted,
    answers.JobAccepted,
    GalleryPage,
    GalleryFacets,
    RunRecord,
    RunDetail,
    answers.Deleted,
    answers.LlmProviders,
    answers.LlmModels,
    answers.LlmTestResult,
    answers.ComfyUIStatusView,
    answers.ComfyUILogs,
    answers.ComfyUIPoolView,
    answers.ModelsOverviewView,
    answers.ModelFoldersView,
    answers.ModelFolderView,
    answers.FindExisting,
    answers.Removed,
    answers.Places,
    FolderListing,
    Place,
    LogLine,
    ModelInfo,
    InstallStatus,
    InstallPlan,
    InstallPointer,
    classroom_views.ClassroomStatus,
    classroom_views.ClassView,
    classroom_views.ClassClosed,
    classroom_views.StudentMe,
    classroom_views.ClassDashboard,
)

# The data of server-sent events: the ComfyUI status stream's, and every job event's and job
# result's (server/jobs/event_payloads.py, checked when a job emits them).
EVENT_MODELS: tuple[type[BaseModel], ...] = (
    answers.ComfyUIStatusView,  # the "status" events of /api/comfyui/events
    *dict.fromkeys(event_payloads.EVENT_PAYLOADS.values()),
    *event_payloads.JOB_RESULTS,
)

REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    SettingsPatch,
    SafetyLevelChange,
    PinChange,
    ComfyUIChange,
    OfflineChange,
    KeyChange,
    KeyRemoval,
    InterceptionRequest,
    OptimizationRequest,
    TeacherOverrideRequest,
    GenerationRequest,
    LlmTestRequest,
    ExportRequest,
    GalleryQuery,
    model_requests.ImportRequest,
    model_requests.DownloadRequest,
    model_requests.VerifyRequest,
    model_requests.BundleRequest,
    model_requests.BrowseQuery,
    model_requests.FolderAddRequest,
    model_requests.FolderChangeRequest,
    model_requests.FindExistingRequest,
    PlanChoices,
    InstallRequest,
    InstallBundleRequest,
    attitude_models.AttitudeSave,
    attitude_models.AttitudePin,
    attitude_models.AttitudeImport,
    attitude_models.AttitudeExportQuery,
    InstallActionRequest,
    NoticeDismissal,
    classroom_views.ClassOpenRequest,
    classroom_views.ClassCloseRequest,
    classroom_views.JoinRequest,
    classroom_views.QueueChange,
    classroom_views.HiddenChange,
    classroom_views.ProjectionChange,
)


_LISTED_ANSWERS = frozenset(RESPONSE_MODELS)


def answer(model: BaseModel, status: int = 200) -> tuple[Response, int]:
    """The one way a JSON endpoint answers: its response model, as JSON. An answer whose model is
    not listed above would be missing from the web client's types: that is a bug of the endpoint."""
    if type(model) not in _LISTED_ANSWERS:
        raise TypeError(
            f"{type(model).__name__} answers an endpoint but is not listed in server/api/contract.py"
        )
    return jsonify(model.model_dump(mode="json")), status


class _ContractSchema(GenerateJsonSchema):
    """An answer always carries every field (defaults too), so the client may rely on each one."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        return self.mode == "serialization" or super().field_is_required(field, total)


def schema_document() -> dict[str, Any]:
    """One JSON Schema whose ``$defs`` hold every model of the contract (answers as serialised,
    requests as accepted)."""
    answer_mode: JsonSchemaMode = "serialization"
    request_mode: JsonSchemaMode = "validation"
    entries = [(model, answer_mode) for model in dict.fromkeys(RESPONSE_MODELS + EVENT_MODELS)] + [
        (model, request_mode) for model in REQUEST_MODELS
    ]
    _, document = models_json_schema(
        entries,
        ref_template="#/$defs/{model}",
        title="AI4ArtsEd Desktop API",
        schema_generator=_ContractSchema,
    )
    return document
