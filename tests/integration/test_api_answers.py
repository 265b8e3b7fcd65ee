"""The running app's JSON answers match the response models the web client's types come from."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from server.api import answers
from server.api.contract import RESPONSE_MODELS
from server.catalog import views
from server.runs.gallery import GalleryFacets, GalleryPage
from server.settings.disk_usage import StorageReport
from tests.support.app_process import start_app
from tests.support.catalog_files import write_valid_catalog

GET_ANSWERS: dict[str, type[BaseModel]] = {
    "/api/health": answers.Health,
    "/api/system/info": answers.SystemInfo,
    "/api/system/storage": StorageReport,
    "/api/settings": answers.PublicSettings,
    "/api/keys": answers.KeyList,
    "/api/catalog/interceptions": views.InterceptionCatalogView,
    "/api/catalog/outputs": views.OutputCatalogView,
    "/api/catalog/problems": views.CatalogProblemsView,
    "/api/runs": GalleryPage,
    "/api/runs/facets": GalleryFacets,
    "/api/llm/providers": answers.LlmProviders,
    "/api/comfyui/status": answers.ComfyUIStatusView,
    "/api/comfyui/logs": answers.ComfyUILogs,
    "/api/models": answers.ModelsOverviewView,
    "/api/models/folders": answers.ModelFoldersView,
    "/api/models/places": answers.Places,
    "/api/jobs/nonexistent": answers.ApiErrorBody,
}


def test_each_answer_is_exactly_its_listed_model(tmp_path: Path) -> None:
    assert set(GET_ANSWERS.values()) <= set(RESPONSE_MODELS)
    root = write_valid_catalog(tmp_path / "catalog")
    with start_app(tmp_path / "data", catalog_root=root) as app, app.client(language="de") as client:
        for path, model in GET_ANSWERS.items():
            response = client.get(path)
            # extra="forbid" on every model: a field the model lacks fails here, and so does a missing one.
            model.model_validate(response.json())
            assert (response.status_code == 404) == (model is answers.ApiErrorBody), path
