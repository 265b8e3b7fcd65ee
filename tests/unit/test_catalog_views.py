"""The catalog as the UI shows it (server/catalog/views.py), without Flask: grouping, order,
availability and the texts of the reasons."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from server.catalog.availability import OutputAvailability, UnavailableReason
from server.catalog.loader import CatalogLoader
from server.catalog.models import OutputConfig
from server.catalog.views import catalog_problems, interception_catalog, output_catalog
from tests.support.catalog_files import attitude, write_json, write_valid_catalog


def _describe(code: str, params: Mapping[str, object]) -> str:
    return f"text of {code} {dict(params)}"


def test_attitudes_are_grouped_by_category_in_the_fixed_order(tmp_path: Path) -> None:
    root = write_valid_catalog(tmp_path / "catalog")
    write_json(root / "configs" / "interception" / "zz_first.json", attitude(order=0))
    view = interception_catalog(CatalogLoader(root).load())
    assert [category.id.value for category in view.categories] == ["arts", "aesthetics"]
    arts = [item.id for item in view.categories[0].interceptions]
    assert arts[0] == "zz_first" and "dada" in arts


def test_outputs_say_whether_they_can_be_used_and_why_not(tmp_path: Path) -> None:
    catalog = CatalogLoader(write_valid_catalog(tmp_path / "catalog")).load()

    def no_gpu(output: OutputConfig) -> list[UnavailableReason]:
        return [UnavailableReason(code="output_needs_comfyui", params={"x": "1"}, fix_page="settings")]

    groups = output_catalog(catalog, OutputAvailability([no_gpu]), _describe).media_types
    assert [group.id for group in groups] == ["image"]
    output = groups[0].outputs[0]
    assert output.available is False
    assert output.reasons[0].message == "text of output_needs_comfyui {'x': '1'}"
    assert output.reasons[0].fix_page == "settings"

    ready = output_catalog(catalog, OutputAvailability([]), _describe).media_types[0].outputs[0]
    assert ready.available is True and ready.reasons == []


def test_problems_carry_their_text(tmp_path: Path) -> None:
    root = write_valid_catalog(tmp_path / "catalog")
    (root / "configs" / "interception" / "garbled.json").write_text("{ not json", encoding="utf-8")
    problems = catalog_problems(CatalogLoader(root).load(), _describe).problems
    assert [problem.code for problem in problems] == ["catalog_invalid_json"]
    assert problems[0].message.startswith("text of catalog_invalid_json")
