"""Every recorded scenario, replayed against the test server (and a real ComfyUI when configured)."""

from pathlib import Path
from typing import Any

import pytest

from tests.support.async_runner import run_coroutine

from .comfy_launcher import ComfyKind, StateDirs, start
from .media_checks import check_media
from .transcript_compare import compare_scenario, compare_static
from .transcript_replay import Replayer, replay_static
from .transcripts import RECORDED_AFTER, load_scenario, load_static, scenario_names

SAMPLER_SCENARIOS = {"sampler_progress", "sampler_progress_legacy_preview"}


def _check_files(events: list[dict[str, Any]]) -> list[str]:
    problems = []
    for event in events:
        response = event.get("response", {})
        if event["kind"] == "http" and "body" in response:
            problem = check_media(response["content_type"], response["body"])
            if problem:
                problems.append(f"{event['request']['query']}: {problem}")
    return problems


def _replay(base_url: str, name: str) -> list[dict[str, Any]]:
    return run_coroutine(Replayer(base_url).run(load_scenario(name)))


@pytest.mark.parametrize("name", [*scenario_names(), "static"])
def test_replay_matches_recording(
    name: str, comfy_kind: ComfyKind, tmp_path: Path, require_transcripts: Path
) -> None:
    if name in SAMPLER_SCENARIOS and not comfy_kind.has_real_checkpoint:
        pytest.skip("a real ComfyUI needs COMFYUI_TINY_CHECKPOINT for the sampler scenarios")
    dirs = StateDirs.create(tmp_path, comfy_kind)
    server = start(comfy_kind, dirs)
    try:
        for earlier in RECORDED_AFTER.get(name, []):
            _replay(server.base_url, earlier)
        if name == "static":
            static = load_static()
            replayed = run_coroutine(replay_static(server.base_url, static))
            problems = compare_static(static, replayed, dirs.placeholders)
        else:
            events = _replay(server.base_url, name)
            problems = compare_scenario(load_scenario(name).events, events, dirs.placeholders) + _check_files(
                events
            )
    finally:
        server.stop()
    assert not problems, "\n".join(problems) + "\n--- server log ---\n" + server.log_text()[-4000:]
