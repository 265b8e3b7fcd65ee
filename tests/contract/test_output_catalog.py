"""The output catalog files agree with each other: configs, chunks, model manifest and media types.

These checks need no ComfyUI. The real ComfyUI check of the same workflows is in
test_real_comfyui_workflows.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from server.catalog.models import (
    ComfyUIChunk,
    MappedParameter,
    MediaTypeRegistryFile,
    ModelFile,
    ModelFolder,
    ModelManifestFile,
    OutputConfig,
)

REPO = Path(__file__).resolve().parents[2]

# Which ComfyUI folder each core loader input reads from.
LOADER_FOLDERS: dict[tuple[str, str], ModelFolder] = {
    ("CheckpointLoaderSimple", "ckpt_name"): ModelFolder.CHECKPOINTS,
    ("UNETLoader", "unet_name"): ModelFolder.DIFFUSION_MODELS,
    ("CLIPLoader", "clip_name"): ModelFolder.TEXT_ENCODERS,
    ("VAELoader", "vae_name"): ModelFolder.VAE,
}

# Numeric parameters a generation request may leave out; the output's defaults must fill them.
DEFAULTED = {
    MappedParameter.STEPS: "steps",
    MappedParameter.CFG: "cfg",
    MappedParameter.WIDTH: "width",
    MappedParameter.HEIGHT: "height",
    MappedParameter.DURATION: "duration",
    MappedParameter.FRAMES: "frames",
    MappedParameter.FPS: "fps",
}

# Shape rules of the video latents: a default that breaks them silently changes the clip length.
FRAME_RULES = {"ltx_video": 8, "wan22_ti2v_5b": 4}
# Stable Audio Open was trained on windows of at most 47 seconds.
MAX_DURATION = {"stable_audio_open": 47.0}


@dataclass(frozen=True)
class Catalog:
    outputs: dict[str, OutputConfig]
    chunks: dict[str, ComfyUIChunk]
    models: dict[str, ModelFile]
    media_types: MediaTypeRegistryFile


def load_catalog() -> Catalog:
    """The ComfyUI outputs and their workflows (cloud outputs are checked in tests/cloud)."""
    every_output = {
        path.stem: OutputConfig.model_validate_json(path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "configs" / "output").glob("*.json"))
    }
    outputs = {oid: output for oid, output in every_output.items() if not output.backend.is_cloud}
    chunks = {
        output.chunk: ComfyUIChunk.model_validate_json(
            (REPO / "chunks" / f"{output.chunk}.json").read_text(encoding="utf-8")
        )
        for output in outputs.values()
    }
    manifest = ModelManifestFile.model_validate_json((REPO / "configs" / "models.json").read_text("utf-8"))
    media_types = MediaTypeRegistryFile.model_validate_json(
        (REPO / "configs" / "media_types.json").read_text(encoding="utf-8")
    )
    return Catalog(outputs, chunks, {model.id: model for model in manifest.models}, media_types)


CATALOG = load_catalog()
OUTPUT_IDS = sorted(CATALOG.outputs)


def test_the_issue_lists_every_output() -> None:
    expected = {
        "sd35_large",
        "flux1_schnell",
        "qwen_image",
        "ltx_video",
        "wan22_ti2v_5b",
        "ace_step_v1",
        "stable_audio_open",
        "selftest_image",
        "selftest_audio",
        "selftest_video",
    }
    assert set(CATALOG.outputs) == expected


def test_media_types_cover_image_audio_music_video() -> None:
    assert set(CATALOG.media_types.media_types) >= {"image", "audio", "music", "video"}


@pytest.mark.parametrize("output_id", OUTPUT_IDS)
def test_output_refers_to_known_media_type_chunk_and_models(output_id: str) -> None:
    output = CATALOG.outputs[output_id]
    assert output.media_type in CATALOG.media_types.media_types
    assert output.chunk in CATALOG.chunks
    unknown = [model_id for model_id in output.models if model_id not in CATALOG.models]
    assert not unknown, f"{output_id} needs model ids missing from configs/models.json: {unknown}"
    assert all(CATALOG.models[m].folder is not ModelFolder.LLM for m in output.models)


@pytest.mark.parametrize("output_id", OUTPUT_IDS)
def test_every_mapping_target_exists_in_the_workflow(output_id: str) -> None:
    chunk = CATALOG.chunks[CATALOG.outputs[output_id].chunk]
    assert MappedParameter.PROMPT in chunk.input_mappings
    assert MappedParameter.FILENAME_PREFIX in chunk.input_mappings
    for parameter in chunk.input_mappings:
        for target in chunk.targets(parameter):
            node = chunk.workflow.get(target.node)
            assert node is not None, f"{output_id}: {parameter} points at missing node {target.node}"
            assert target.input in node.inputs, f"{output_id}: node {target.node} has no input {target.input}"
            assert not isinstance(node.inputs[target.input], list), "a mapping must not replace a link"


@pytest.mark.parametrize("output_id", OUTPUT_IDS)
def test_mapped_numeric_parameters_have_defaults(output_id: str) -> None:
    output = CATALOG.outputs[output_id]
    chunk = CATALOG.chunks[output.chunk]
    for parameter, field in DEFAULTED.items():
        if parameter in chunk.input_mappings:
            assert getattr(output.defaults, field) is not None, (
                f"{output_id} maps {parameter} without a default"
            )


@pytest.mark.parametrize("output_id", OUTPUT_IDS)
def test_loader_file_names_match_the_output_models(output_id: str) -> None:
    output = CATALOG.outputs[output_id]
    chunk = CATALOG.chunks[output.chunk]
    loaded: set[tuple[ModelFolder, str]] = set()
    for node in chunk.workflow.values():
        for name, value in node.inputs.items():
            folder = LOADER_FOLDERS.get((node.class_type, name))
            if folder is not None:
                assert isinstance(value, str)
                loaded.add((folder, value))
    declared = {(CATALOG.models[m].folder, CATALOG.models[m].filename) for m in output.models}
    assert loaded == declared


@pytest.mark.parametrize("output_id", OUTPUT_IDS)
def test_selftests_need_no_model_and_models_get_an_optimization_instruction(output_id: str) -> None:
    output = CATALOG.outputs[output_id]
    chunk = CATALOG.chunks[output.chunk]
    if output.selftest:
        assert output_id.startswith("selftest_")
        assert output.models == []
        assert output.vram_gb == 0
    else:
        assert output.models
        assert output.vram_gb > 0
        instruction = chunk.optimization_instruction or ""
        assert "student" in instruction, "the instruction must tell the LLM to keep the student's content"


@pytest.mark.parametrize("output_id", sorted(FRAME_RULES))
def test_video_frame_defaults_fit_the_latent(output_id: str) -> None:
    frames = CATALOG.outputs[output_id].defaults.frames
    assert frames is not None
    assert frames % FRAME_RULES[output_id] == 1


@pytest.mark.parametrize("output_id", sorted(MAX_DURATION))
def test_audio_duration_defaults_stay_within_training_length(output_id: str) -> None:
    duration = CATALOG.outputs[output_id].defaults.duration
    assert duration is not None
    assert duration <= MAX_DURATION[output_id]


def test_every_manifest_model_is_used_or_is_an_llm_file() -> None:
    used = {model_id for output in CATALOG.outputs.values() for model_id in output.models}
    unused = [m.id for m in CATALOG.models.values() if m.id not in used and m.folder is not ModelFolder.LLM]
    assert not unused


def test_manifest_offers_a_test_grade_and_real_llm_files() -> None:
    llm_files = [m for m in CATALOG.models.values() if m.folder is ModelFolder.LLM]
    assert any(m.filename == "SmolLM2-135M-Instruct.Q4_1.gguf" for m in llm_files)
    assert sum(1 for m in llm_files if m.size > 1_000_000_000) >= 3
    assert all(m.filename.endswith(".gguf") for m in llm_files)
