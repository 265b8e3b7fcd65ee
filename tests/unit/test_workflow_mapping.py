from __future__ import annotations

import pytest

from server.catalog.loader import CatalogLoader
from server.catalog.models import ComfyUIChunk
from server.comfyui.workflow_mapping import (
    MAX_SEED,
    GenerationValues,
    apply_mappings,
    resolve_seed,
    split_tags_and_lyrics,
    values_from_defaults,
)
from server.resources import Resources

CATALOG = CatalogLoader(Resources.locate().app_root).load()


def chunk_of(output_id: str) -> ComfyUIChunk:
    return CATALOG.comfyui_chunks[CATALOG.outputs[output_id].chunk]


def test_every_mapped_value_lands_in_its_node_and_the_chunk_is_untouched() -> None:
    chunk = chunk_of("sd35_large")
    before = chunk.model_dump(mode="json")
    values = GenerationValues(
        prompt="a street party in the rain",
        negative_prompt="blurry",
        seed=1234,
        steps=7,
        cfg=3.5,
        width=512,
        height=768,
        filename_prefix="run/x",
    )
    workflow = apply_mappings(chunk, values)
    for parameter in chunk.input_mappings:
        expected = values.get(parameter)
        for target in chunk.targets(parameter):
            assert workflow[target.node]["inputs"][target.input] == expected, parameter  # type: ignore[index]
    assert chunk.model_dump(mode="json") == before


def test_none_keeps_the_workflow_value() -> None:
    chunk = chunk_of("sd35_large")
    workflow = apply_mappings(chunk, GenerationValues(prompt="p", seed=1))
    steps_target = chunk.targets(next(p for p in chunk.input_mappings if p.value == "steps"))[0]
    original = chunk.workflow[steps_target.node].inputs[steps_target.input]
    assert workflow[steps_target.node]["inputs"][steps_target.input] == original  # type: ignore[index]


def test_values_take_the_type_of_the_input_they_replace() -> None:
    chunk = chunk_of("ace_step_v1")
    duration_target = chunk.targets(next(p for p in chunk.input_mappings if p.value == "duration"))[0]
    original = chunk.workflow[duration_target.node].inputs[duration_target.input]
    workflow = apply_mappings(chunk, GenerationValues(prompt="p", seed=1, duration=30))
    mapped = workflow[duration_target.node]["inputs"][duration_target.input]  # type: ignore[index]
    assert type(mapped) is type(original)
    assert mapped == 30


def test_every_shipped_output_maps_its_defaults() -> None:
    for output_id, output in CATALOG.outputs.items():
        if output.backend.is_cloud:
            continue  # no workflow; tests/cloud fills their request templates
        chunk = CATALOG.comfyui_chunks[output.chunk]
        values = values_from_defaults(output.defaults, "idea", 5, None, "la la", f"ai4artsed/{output_id}")
        workflow = apply_mappings(chunk, values)
        assert set(workflow) == set(chunk.workflow), output_id


def test_random_seed_is_concrete_and_in_range() -> None:
    seeds = {resolve_seed(None, "random") for _ in range(20)}
    assert len(seeds) > 1
    assert all(0 <= seed <= MAX_SEED for seed in seeds)
    assert resolve_seed(42, "random") == 42
    assert resolve_seed(None, 7) == 7


@pytest.mark.parametrize(
    ("text", "tags", "lyrics"),
    [
        (
            "pop, piano, 96 bpm\n\n[verse]\nRain on the street",
            "pop, piano, 96 bpm",
            "[verse]\nRain on the street",
        ),
        ("folk, guitar\n[verse]\nLa la\n[chorus]\nOh", "folk, guitar", "[verse]\nLa la\n[chorus]\nOh"),
        ("calm ambient piano", "calm ambient piano", "[instrumental]"),
        ("  jazz, brass  \n \n  [chorus]\nHey  ", "jazz, brass", "[chorus]\nHey"),
    ],
)
def test_song_text_splits_into_tags_and_lyrics(text: str, tags: str, lyrics: str) -> None:
    assert split_tags_and_lyrics(text) == (tags, lyrics)
