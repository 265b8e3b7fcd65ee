"""The catalog endpoints of the running app, including a broken file in a temporary catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.catalog_files import attitude, write_json, write_valid_catalog
from tests.support.in_process import in_process_app


@pytest.mark.in_process
def test_broken_config_is_skipped_and_reported_while_the_app_runs(tmp_path: Path) -> None:
    root = write_valid_catalog(tmp_path / "catalog")
    write_json(root / "configs" / "interception" / "broken.json", attitude(colour="#123456"))
    (root / "configs" / "interception" / "garbled.json").write_text("{ not json", encoding="utf-8")
    with in_process_app(tmp_path / "data", catalog_root=root) as app, app.client() as client:
        categories = client.get("/api/catalog/interceptions").json()["categories"]
        ids = {item["id"] for category in categories for item in category["interceptions"]}
        assert ids == {"dada", "bauhaus"}

        problems = client.get("/api/catalog/problems").json()["problems"]
        by_file = {problem["file"]: problem for problem in problems}
        assert by_file["configs/interception/broken.json"]["field"] == "colour"
        assert "colour" in by_file["configs/interception/broken.json"]["message"]
        assert by_file["configs/interception/garbled.json"]["code"] == "catalog_invalid_json"

        notices = {notice["code"]: notice for notice in client.get("/api/system/info").json()["notices"]}
        assert "2" in notices["catalog_has_problems"]["message"]


@pytest.mark.in_process
def test_interceptions_are_grouped_by_category_with_both_languages(tmp_path: Path) -> None:
    root = write_valid_catalog(tmp_path / "catalog")
    with in_process_app(tmp_path / "data", catalog_root=root) as api, api.client() as client:
        categories = client.get("/api/catalog/interceptions").json()["categories"]
    assert [c["id"] for c in categories] == ["arts", "aesthetics"]
    dada = categories[0]["interceptions"][0]
    assert dada["id"] == "dada"
    assert dada["name"] == {"de": "Dada", "en": "Dada"}
    assert dada["context"]["de"] == "Zerschneide die Idee."
    assert dada["min_age"] == 8


@pytest.mark.in_process
def test_outputs_are_grouped_by_media_type_and_explain_unavailability(tmp_path: Path) -> None:
    root = write_valid_catalog(tmp_path / "catalog")
    with in_process_app(tmp_path / "data", catalog_root=root) as api, api.client(language="de") as client:
        groups = client.get("/api/catalog/outputs").json()["media_types"]
    assert [g["id"] for g in groups] == ["image"]
    test_image = groups[0]["outputs"][0]
    assert test_image["id"] == "test_image"
    # A new install has no ComfyUI configured yet.
    assert test_image["available"] is False
    assert test_image["reasons"][0]["code"] == "output_needs_comfyui"
    assert "ComfyUI" in test_image["reasons"][0]["message"]
    assert test_image["reasons"][0]["fix_page"] == "settings"
