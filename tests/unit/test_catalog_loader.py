"""Every kind of broken catalog file is skipped and reported with its file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.catalog.loader import CatalogLoader
from server.catalog.problems import CatalogProblem, ProblemCode
from server.catalog.registry import Catalog
from tests.support.catalog_files import (
    attitude,
    comfyui_chunk,
    output,
    write_json,
    write_valid_catalog,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_valid_catalog(tmp_path / "catalog")


def load(root: Path) -> Catalog:
    return CatalogLoader(root).load()


def only_problem(catalog: Catalog) -> CatalogProblem:
    assert len(catalog.problems) == 1, catalog.problems
    return catalog.problems[0]


def test_valid_catalog_loads_without_problems(root: Path) -> None:
    catalog = load(root)
    assert catalog.problems == []
    assert set(catalog.interceptions) == {"dada", "bauhaus"}
    assert set(catalog.outputs) == {"test_image"}
    assert set(catalog.comfyui_chunks) == {"empty_image"}
    assert catalog.interceptions["dada"].context.en == "Cut the idea apart."


def test_invalid_json_is_reported_with_line_and_skipped(root: Path) -> None:
    (root / "configs" / "interception" / "dada.json").write_text('{"name": {"de": "x",}', encoding="utf-8")
    catalog = load(root)
    problem = only_problem(catalog)
    assert problem.file == "configs/interception/dada.json"
    assert problem.code is ProblemCode.INVALID_JSON
    assert problem.field is None
    assert problem.params["line"] == "1"
    assert set(catalog.interceptions) == {"bauhaus"}


def test_unreadable_file_is_reported(root: Path) -> None:
    (root / "configs" / "interception" / "dada.json").write_bytes(b"\xff\xfe\x00garbage")
    problem = only_problem(load(root))
    assert problem.code is ProblemCode.UNREADABLE


def test_missing_field_names_the_field(root: Path) -> None:
    data = attitude()
    del data["context"]["de"]
    write_json(root / "configs" / "interception" / "dada.json", data)
    catalog = load(root)
    problem = only_problem(catalog)
    assert (problem.code, problem.field) == (ProblemCode.MISSING_FIELD, "context.de")
    assert "dada" not in catalog.interceptions


def test_unknown_field_names_the_misspelt_field(root: Path) -> None:
    write_json(root / "configs" / "interception" / "dada.json", attitude(colour="#112233"))
    problem = only_problem(load(root))
    assert (problem.code, problem.field) == (ProblemCode.UNKNOWN_FIELD, "colour")


def test_invalid_value_names_field_and_reason(root: Path) -> None:
    write_json(root / "configs" / "interception" / "dada.json", attitude(category="sculpture"))
    problem = only_problem(load(root))
    assert (problem.code, problem.field) == (ProblemCode.INVALID_VALUE, "category")
    assert "arts" in problem.params["detail"]


def test_recursive_attitude_without_recursion_block_is_rejected(root: Path) -> None:
    write_json(root / "configs" / "interception" / "dada.json", attitude(kind="recursive"))
    problem = only_problem(load(root))
    assert problem.code is ProblemCode.INVALID_VALUE
    assert "recursion" in problem.params["detail"]


def test_output_pointing_at_missing_chunk(root: Path) -> None:
    write_json(root / "configs" / "output" / "test_image.json", output(chunk="no_such_chunk"))
    catalog = load(root)
    problem = only_problem(catalog)
    assert (problem.file, problem.field, problem.code) == (
        "configs/output/test_image.json",
        "chunk",
        ProblemCode.UNKNOWN_CHUNK,
    )
    assert catalog.outputs == {}


def test_output_pointing_at_an_llm_chunk(root: Path) -> None:
    write_json(root / "configs" / "output" / "test_image.json", output(chunk="interception"))
    problem = only_problem(load(root))
    assert (problem.field, problem.code) == ("chunk", ProblemCode.WRONG_CHUNK_KIND)


def test_output_with_unknown_media_type(root: Path) -> None:
    write_json(root / "configs" / "output" / "test_image.json", output(media_type="hologram"))
    problem = only_problem(load(root))
    assert (problem.field, problem.code) == ("media_type", ProblemCode.UNKNOWN_MEDIA_TYPE)


def test_output_with_unknown_model_id_names_the_list_position(root: Path) -> None:
    write_json(root / "configs" / "output" / "test_image.json", output(models=["tiny", "giant"]))
    problem = only_problem(load(root))
    assert (problem.field, problem.code) == ("models.1", ProblemCode.UNKNOWN_MODEL)
    assert problem.params == {"model": "giant"}


def test_mapping_to_a_node_that_is_not_in_the_workflow(root: Path) -> None:
    chunk = comfyui_chunk()
    chunk["input_mappings"]["seed"] = {"node": "9", "input": "seed"}
    write_json(root / "chunks" / "empty_image.json", chunk)
    catalog = load(root)
    codes = [(p.file, p.field, p.code) for p in catalog.problems]
    assert ("chunks/empty_image.json", "input_mappings.seed.node", ProblemCode.UNKNOWN_NODE) in codes
    # The output depends on the broken chunk and is skipped too, with its own explanation.
    assert ("configs/output/test_image.json", "chunk", ProblemCode.UNKNOWN_CHUNK) in codes
    assert catalog.outputs == {}


def test_mapping_to_an_input_the_node_does_not_have(root: Path) -> None:
    chunk = comfyui_chunk()
    chunk["input_mappings"]["prompt"] = [
        {"node": "1", "input": "width"},
        {"node": "1", "input": "text"},
    ]
    write_json(root / "chunks" / "empty_image.json", chunk)
    problem = load(root).problems[0]
    assert (problem.field, problem.code) == ("input_mappings.prompt.1.input", ProblemCode.UNKNOWN_NODE_INPUT)
    assert problem.params["class_type"] == "EmptyImage"


def test_workflow_link_to_a_missing_node(root: Path) -> None:
    chunk = comfyui_chunk()
    chunk["workflow"]["2"]["inputs"]["images"] = ["7", 0]
    write_json(root / "chunks" / "empty_image.json", chunk)
    problem = load(root).problems[0]
    assert (problem.field, problem.code) == ("workflow.2.inputs.images", ProblemCode.BROKEN_LINK)


def test_unknown_field_inside_a_chunk_drops_the_union_tag_from_the_field(root: Path) -> None:
    write_json(root / "chunks" / "empty_image.json", comfyui_chunk(workflow_version=2))
    problem = load(root).problems[0]
    assert (problem.file, problem.field, problem.code) == (
        "chunks/empty_image.json",
        "workflow_version",
        ProblemCode.UNKNOWN_FIELD,
    )


def test_attitude_pointing_at_missing_task_chunk(root: Path) -> None:
    write_json(root / "configs" / "interception" / "dada.json", attitude(task_chunk="nothing"))
    problem = only_problem(load(root))
    assert (problem.field, problem.code) == ("task_chunk", ProblemCode.UNKNOWN_CHUNK)


def test_broken_models_manifest_makes_dependent_outputs_unavailable(root: Path) -> None:
    (root / "configs" / "models.json").write_text("not json", encoding="utf-8")
    write_json(root / "configs" / "output" / "test_image.json", output(models=["tiny"]))
    catalog = load(root)
    codes = {(p.file, p.code) for p in catalog.problems}
    assert ("configs/models.json", ProblemCode.INVALID_JSON) in codes
    assert ("configs/output/test_image.json", ProblemCode.UNKNOWN_MODEL) in codes


def test_duplicate_model_ids_are_rejected(root: Path) -> None:
    entry = {
        "id": "tiny",
        "name": {"de": "W", "en": "T"},
        "folder": "checkpoints",
        "filename": "tiny.safetensors",
        "size": 1,
        "licence": {"name": "MIT", "url": "https://opensource.org/license/mit"},
    }
    write_json(root / "configs" / "models.json", {"models": [entry, entry]})
    problem = load(root).problems[0]
    assert (problem.file, problem.field, problem.code) == (
        "configs/models.json",
        "models",
        ProblemCode.INVALID_VALUE,
    )


def test_pickle_model_files_cannot_be_listed(root: Path) -> None:
    write_json(
        root / "configs" / "models.json",
        {
            "models": [
                {
                    "id": "old",
                    "name": {"de": "Alt", "en": "Old"},
                    "folder": "checkpoints",
                    "filename": "old.ckpt",
                    "size": 1,
                    "licence": {"name": "MIT", "url": "https://opensource.org/license/mit"},
                }
            ]
        },
    )
    problem = load(root).problems[0]
    assert (problem.field, problem.code) == ("models.0.filename", ProblemCode.INVALID_VALUE)


def test_telephone_language_that_is_not_listed(root: Path) -> None:
    data = attitude(kind="recursive", recursion={"rounds": 3, "languages": ["fr", "xx", "de"]})
    write_json(root / "configs" / "interception" / "dada.json", data)
    problem = only_problem(load(root))
    assert (problem.field, problem.code) == ("recursion.languages.1", ProblemCode.UNKNOWN_LANGUAGE)
