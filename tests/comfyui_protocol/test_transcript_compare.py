"""The comparator itself: it accepts a recording compared with itself and catches what must not change."""

import copy
from pathlib import Path
from typing import Any

import pytest

from .transcript_compare import compare_scenario, typed_difference
from .transcripts import load_scenario


def _ws_indexes(events: list[dict[str, Any]], kind: str) -> list[int]:
    return [i for i, e in enumerate(events) if e["kind"] == "ws" and e["message"]["type"] == kind]


@pytest.mark.parametrize("name", ["image_ok", "interrupt", "queue_two", "sampler_progress", "audio_ok"])
def test_a_recording_matches_itself(name: str, require_transcripts: Path) -> None:
    events = load_scenario(name).events
    assert compare_scenario(events, copy.deepcopy(events), {}) == []


def test_reordered_messages_are_detected(require_transcripts: Path) -> None:
    events = load_scenario("image_ok").events
    changed = copy.deepcopy(events)
    first, second = _ws_indexes(changed, "executing")[:2]
    changed[first], changed[second] = changed[second], changed[first]
    assert compare_scenario(events, changed, {})


def test_preview_before_progress_order_is_detected(require_transcripts: Path) -> None:
    events = load_scenario("sampler_progress").events
    changed = copy.deepcopy(events)
    binary = next(i for i, e in enumerate(changed) if e["kind"] == "ws_binary")
    changed[binary], changed[binary + 1] = changed[binary + 1], changed[binary]
    assert compare_scenario(events, changed, {})


def test_float_instead_of_int_is_detected(require_transcripts: Path) -> None:
    events = load_scenario("image_cached").events
    changed = copy.deepcopy(events)
    state = changed[_ws_indexes(changed, "progress_state")[0]]["message"]["data"]["nodes"]["2"]
    state["value"], state["max"] = 1.0, 1.0
    assert compare_scenario(events, changed, {})


def test_missing_message_and_wrong_filename_are_detected(require_transcripts: Path) -> None:
    events = load_scenario("image_ok").events
    dropped = [e for i, e in enumerate(events) if i != _ws_indexes(events, "execution_cached")[0]]
    assert compare_scenario(events, dropped, {})
    renamed = copy.deepcopy(events)
    executed = renamed[_ws_indexes(renamed, "executed")[0]]["message"]["data"]
    executed["output"]["images"][0]["filename"] = "img_00002_.png"
    assert compare_scenario(events, renamed, {})


def test_http_differences_are_detected(require_transcripts: Path) -> None:
    events = load_scenario("validation_errors").events
    changed = copy.deepcopy(events)
    http = [e for e in changed if e["kind"] == "http"]
    http[0]["response"]["json"]["node_errors"]["1"]["errors"][0]["type"] = "value_bigger_than_max"
    http[-1]["response"]["content_type"] = "application/json"
    problems = compare_scenario(events, changed, {})
    assert len(problems) == 2


def test_allowed_variations_are_tolerated(require_transcripts: Path) -> None:
    events = load_scenario("interrupt").events
    changed = copy.deepcopy(events)
    interrupted = changed[_ws_indexes(changed, "execution_interrupted")[0]]["message"]["data"]
    interrupted["executed"] = list(reversed(interrupted["executed"]))
    interrupted["timestamp"] += 1234
    queue_two = load_scenario("queue_two").events
    moved = copy.deepcopy(queue_two)
    status = _ws_indexes(moved, "status")
    moved[status[1]], moved[status[3]] = moved[status[3]], moved[status[1]]
    assert compare_scenario(events, changed, {}) == []
    assert compare_scenario(queue_two, moved, {}) == []


def test_placeholders_replace_paths(require_transcripts: Path) -> None:
    events = load_scenario("runtime_error").events
    changed = copy.deepcopy(events)
    error = changed[_ws_indexes(changed, "execution_error")[0]]["message"]["data"]
    error["exception_message"] = error["exception_message"].replace("<STATE_DIR>", "/srv/state")
    assert compare_scenario(events, changed, {"/srv/state": "<STATE_DIR>"}) == []
    assert compare_scenario(events, changed, {})


def test_typed_difference() -> None:
    assert typed_difference({"a": [1, 2.0, True]}, {"a": [1, 2.0, True]}) is None
    assert typed_difference(1, 1.0) is not None
    assert typed_difference(True, 1) is not None
    assert typed_difference({"a": 1}, {"b": 1}) is not None
