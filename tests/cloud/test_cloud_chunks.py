"""Cloud chunks: the request template and response mapping are checked when the catalog loads, filled
and read as documented; the two shipped cloud outputs load and fill."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from server.catalog.loader import CatalogLoader
from server.catalog.models import CloudChunk, CloudResponseMapping
from server.catalog.problems import ProblemCode
from server.cloud.request_template import fill_request
from server.cloud.response_mapping import UnreadableMediaError, extract_media, find_values
from server.comfyui.workflow_mapping import values_from_defaults
from server.resources import Resources
from tests.cloud_testserver.png_image import solid_png
from tests.support.catalog_files import output, write_json, write_valid_catalog


def cloud_chunk(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "cloud",
        "description": "images",
        "endpoint": "images/generations",
        "request": {"model": "m", "prompt": "{prompt}", "size": "{width}x{height}", "seed": "{seed}"},
        "response": {"encoding": "base64", "path": ["data", "*", "b64_json"]},
    }
    data.update(overrides)
    return data


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = write_valid_catalog(tmp_path / "catalog")
    write_json(root / "chunks" / "cloud_image.json", cloud_chunk())
    write_json(
        root / "configs" / "output" / "cloud.json",
        output(backend="openai", chunk="cloud_image", defaults={"width": 1024, "height": 1024}),
    )
    return root


def problems(root: Path) -> list[tuple[str, str | None, ProblemCode]]:
    catalog = CatalogLoader(root).load()
    return [(p.file, p.field, p.code) for p in catalog.problems]


def test_a_valid_cloud_output_loads(root: Path) -> None:
    catalog = CatalogLoader(root).load()
    assert catalog.problems == []
    assert catalog.output_chunk(catalog.outputs["cloud"]) == catalog.cloud_chunks["cloud_image"]


@pytest.mark.parametrize(
    ("request_template", "detail"),
    [
        ({"prompt": "{prompt}", "x": "{colour}"}, "unknown placeholder(s) in request: colour"),
        ({"text": "no placeholder"}, "must contain the {prompt} placeholder"),
        ({"prompt": "{prompt"}, "expected '}' before end of string"),
        ({"prompt": "{prompt!r}"}, "placeholders are plain names"),
    ],
)
def test_a_broken_request_template_is_a_problem_naming_the_field(
    root: Path, request_template: dict[str, Any], detail: str
) -> None:
    write_json(root / "chunks" / "cloud_image.json", cloud_chunk(request=request_template))
    catalog = CatalogLoader(root).load()
    found = [(p.file, p.code, p.params.get("detail", "")) for p in catalog.problems]
    assert found[0][:2] == ("chunks/cloud_image.json", ProblemCode.INVALID_VALUE)
    assert detail in found[0][2]
    assert ("configs/output/cloud.json", "chunk", ProblemCode.UNKNOWN_CHUNK) in problems(root)


def test_a_number_the_request_needs_must_have_a_default(root: Path) -> None:
    write_json(root / "configs" / "output" / "cloud.json", output(backend="openai", chunk="cloud_image"))
    assert ("configs/output/cloud.json", "defaults.width", ProblemCode.MISSING_DEFAULT) in problems(root)


def test_backend_and_chunk_kind_must_fit(root: Path) -> None:
    write_json(root / "configs" / "output" / "wrong.json", output(backend="openrouter", chunk="empty_image"))
    write_json(root / "configs" / "output" / "wrong2.json", output(backend="comfyui", chunk="cloud_image"))
    found = problems(root)
    assert ("configs/output/wrong.json", "chunk", ProblemCode.WRONG_CHUNK_KIND) in found
    assert ("configs/output/wrong2.json", "chunk", ProblemCode.WRONG_CHUNK_KIND) in found


def test_unknown_fields_and_bad_endpoints_are_refused(root: Path) -> None:
    write_json(root / "chunks" / "cloud_image.json", cloud_chunk(endpoint="../admin", headers={"x": "y"}))
    fields = {field for _, field, _ in problems(root)}
    assert {"endpoint", "headers"} <= fields


def test_placeholders_keep_their_type_alone_and_become_text_inside_a_string() -> None:
    chunk = CloudChunk.model_validate(
        cloud_chunk(
            request={
                "prompt": "{prompt}",
                "size": "{width}x{height}",
                "seed": "{seed}",
                "n": 1,
                "l": ["{{x}}"],
            }
        )
    )
    catalog = CatalogLoader(Resources.locate().app_root).load()
    defaults = catalog.outputs["openai_gpt_image_1"].defaults
    values = values_from_defaults(defaults, "a fox", 42, None, None, "p")
    assert fill_request(chunk, values) == {
        "prompt": "a fox",
        "size": "1024x1024",
        "seed": 42,
        "n": 1,
        "l": ["{x}"],
    }
    assert chunk.request["prompt"] == "{prompt}"  # the chunk stays a template


def test_the_shipped_cloud_outputs_fill_their_requests() -> None:
    catalog = CatalogLoader(Resources.locate().app_root).load()
    assert {oid for oid, o in catalog.outputs.items() if o.backend.is_cloud} == {
        "openai_gpt_image_1",
        "openrouter_gemini_3_pro_image",
    }
    for output_id in ("openai_gpt_image_1", "openrouter_gemini_3_pro_image"):
        config = catalog.outputs[output_id]
        chunk = catalog.cloud_chunks[config.chunk]
        assert config.models == [] and config.vram_gb == 0
        assert "student" in (chunk.optimization_instruction or "")
        filled = fill_request(chunk, values_from_defaults(config.defaults, "a fox", 7, "ugly", None, "p"))
        assert "a fox" in str(filled)
        assert "{" not in str(filled).replace("{'", "").replace('{"', "")


def test_the_response_mapping_reads_base64_and_data_uris() -> None:
    png = solid_png("x")
    encoded = base64.b64encode(png).decode()
    openai = CloudResponseMapping(encoding="base64", path=["data", "*", "b64_json"])
    media = extract_media({"data": [{"b64_json": encoded}, {"b64_json": encoded}]}, openai)
    assert [(m.mime_type, m.data) for m in media] == [("image/png", png)] * 2
    assert extract_media({"data": []}, openai) == []
    router = CloudResponseMapping(
        encoding="data_uri", path=["choices", 0, "message", "images", "*", "image_url", "url"]
    )
    answer = {
        "choices": [{"message": {"images": [{"image_url": {"url": f"data:image/jpeg;base64,{encoded}"}}]}}]
    }
    # The bytes say PNG, whatever the label says.
    assert extract_media(answer, router)[0].mime_type == "image/png"
    assert find_values(answer, ["choices", 3, "message"]) == []
    with pytest.raises(UnreadableMediaError):
        extract_media({"data": [{"b64_json": "not base64!"}]}, openai)
    with pytest.raises(UnreadableMediaError):
        extract_media(
            {"choices": [{"message": {"images": [{"image_url": {"url": "https://x/y.png"}}]}}]}, router
        )
    with pytest.raises(UnreadableMediaError):
        extract_media({"data": [{"b64_json": base64.b64encode(b"plain text").decode()}]}, openai)
