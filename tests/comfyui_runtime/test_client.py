"""The client against every recorded scenario, on the test server and (when configured) a real ComfyUI."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from server.comfyui.client import ClientTimeouts, ComfyUIClient, PromptHandle
from server.comfyui.prompt_errors import PromptRejectedError
from server.comfyui.prompt_events import (
    ExecutionStarted,
    Failed,
    Interrupted,
    NodeExecuted,
    NodeExecuting,
    NodesCached,
    OutputFile,
    Preview,
    Progress,
    PromptEvent,
    Queued,
    Succeeded,
)
from server.comfyui.redaction import PathRedactor
from server.comfyui.supervisor import ComfyUISupervisor
from server.errors import AppError
from server.i18n.translator import Translator
from tests.comfyui_runtime import workflows
from tests.comfyui_runtime.conftest import target_config
from tests.comfyui_runtime.rig import build_rig
from tests.comfyui_runtime.targets import CHECKPOINT_NAME, ComfyUITarget, resolve_target, target_params
from tests.support import loopback_http

RUN_TIMEOUT_S = 120.0
LABEL = "Test output"


@dataclass
class RunningComfyUI:
    target: ComfyUITarget
    supervisor: ComfyUISupervisor
    url: str
    state_dir: Path
    can_sample: bool


@pytest.fixture(scope="module", params=target_params())
def comfyui(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningComfyUI]:
    """One ComfyUI per target for this module, started by the real supervisor."""
    target = resolve_target(str(request.param))
    rig = build_rig(tmp_path_factory.mktemp(f"comfyui-{target.name}"), target_config(target))
    can_sample = target.place_checkpoint(rig.folders.models_dir)
    rig.supervisor.start()
    try:
        status = rig.supervisor.wait_until_ready(target.ready_timeout_s)
        assert status.url is not None
        yield RunningComfyUI(target, rig.supervisor, status.url, rig.folders.state_dir.resolve(), can_sample)
    finally:
        rig.supervisor.shutdown()


def new_client(comfyui: RunningComfyUI, **options: Any) -> ComfyUIClient:
    redact = PathRedactor({comfyui.state_dir: "<state>"})
    client = ComfyUIClient(comfyui.url, redact=redact, **options)
    client.connect(10)
    return client


@pytest.fixture
def client(comfyui: RunningComfyUI) -> Iterator[ComfyUIClient]:
    client = new_client(comfyui)
    yield client
    client.close()


@pytest.fixture
def prefix() -> str:
    return f"t/{uuid.uuid4().hex[:10]}"


def run(handle: PromptHandle) -> list[PromptEvent]:
    return list(handle.events(RUN_TIMEOUT_S))


def without_queued(events: list[PromptEvent]) -> list[PromptEvent]:
    return [event for event in events if not isinstance(event, Queued)]


def kinds_around_steps(events: list[PromptEvent]) -> list[str]:
    """The order of sampler progress and previews (previews may repeat the same image bytes)."""
    return [type(event).__name__ for event in events if isinstance(event, Progress | Preview)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_success_reads_the_history_and_fetches_the_file(
    client: ComfyUIClient, prefix: str, tmp_path: Path
) -> None:
    events = without_queued(run(client.submit(workflows.image(prefix), label=LABEL)))

    assert events[:4] == [
        ExecutionStarted(),
        NodesCached(()),
        NodeExecuting("1", "EmptyImage"),
        NodeExecuting("2", "SaveImage"),
    ]
    subfolder, name = prefix.split("/")
    expected = OutputFile(
        node="2", key="images", filename=f"{name}_00001_.png", subfolder=subfolder, type="output"
    )
    assert events[4] == NodeExecuted(
        "2", {"images": [{"filename": expected.filename, "subfolder": subfolder, "type": "output"}]}
    )
    final = events[5]
    assert isinstance(final, Succeeded) and len(events) == 6
    assert final.files == (expected,)
    downloaded = client.download(final.files[0], tmp_path / "result.png")
    assert downloaded.mime == "image/png"
    assert downloaded.path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert downloaded.sha256 == sha256(downloaded.path) and downloaded.size == downloaded.path.stat().st_size
    content, mime = client.fetch(final.files[0])
    assert mime == "image/png" and hashlib.sha256(content).hexdigest() == downloaded.sha256


def test_an_identical_rerun_is_answered_from_the_cache(client: ComfyUIClient, prefix: str) -> None:
    first = run(client.submit(workflows.image(prefix), label=LABEL))[-1]
    events = without_queued(run(client.submit(workflows.image(prefix), label=LABEL)))

    assert events[0] == ExecutionStarted()
    assert isinstance(events[1], NodesCached) and sorted(events[1].nodes) == ["1", "2"]
    assert not [event for event in events if isinstance(event, NodeExecuting)]
    assert isinstance(events[2], NodeExecuted)
    assert isinstance(first, Succeeded) and events[-1] == first  # same file, not written again


def _negative_width(prefix: str) -> workflows.Workflow:
    graph = workflows.image(prefix)
    graph["1"]["inputs"]["width"] = -5
    return graph


def _text_width(prefix: str) -> workflows.Workflow:
    graph = workflows.image(prefix)
    graph["1"]["inputs"]["width"] = "abc"
    return graph


def _no_width(prefix: str) -> workflows.Workflow:
    graph = workflows.image(prefix)
    del graph["1"]["inputs"]["width"]
    return graph


def _unknown_node(prefix: str) -> workflows.Workflow:
    graph = workflows.image(prefix)
    graph["1"]["class_type"] = "NoSuchNode"
    return graph


def _no_output(prefix: str) -> workflows.Workflow:
    graph = workflows.image(prefix)
    del graph["2"]
    return graph


def _one_branch_invalid(prefix: str) -> workflows.Workflow:
    graph = workflows.image(prefix)
    graph["3"] = {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "missing.safetensors"}}
    graph["4"] = {"class_type": "CLIPTextEncode", "inputs": {"text": "x", "clip": ["3", 1]}}
    graph["5"] = {"class_type": "PreviewAny", "inputs": {"source": ["4", 0]}}
    return graph


@pytest.mark.parametrize(
    ("graph", "code", "params", "english"),
    [
        (
            lambda p: workflows.sampler(p, "missing.safetensors"),
            "comfyui_model_missing",
            {"node": "CheckpointLoaderSimple", "input": "ckpt_name", "file": "missing.safetensors"},
            "Test output: the model file missing.safetensors is missing.",
        ),
        (
            _unknown_node,
            "comfyui_node_missing",
            {"node": "NoSuchNode"},
            'Test output: the ComfyUI node type "NoSuchNode" is not installed',
        ),
        (
            _negative_width,
            "comfyui_input_invalid",
            {"node": "EmptyImage", "input": "width", "value": "-5"},
            'Test output: the value -5 does not fit the input "width" of EmptyImage.',
        ),
        (
            _text_width,
            "comfyui_input_invalid",
            {"node": "EmptyImage", "input": "width", "value": "abc"},
            "the value abc does not fit",
        ),
        (
            _no_width,
            "comfyui_input_missing",
            {"node": "EmptyImage", "input": "width"},
            'Test output: the node EmptyImage is missing its input "width".',
        ),
        (
            _no_output,
            "comfyui_workflow_broken",
            {"detail": "Prompt has no outputs"},
            "Test output: this output's workflow is broken (Prompt has no outputs).",
        ),
        (
            _one_branch_invalid,
            "comfyui_model_missing",
            {"node": "CheckpointLoaderSimple", "input": "ckpt_name", "file": "missing.safetensors"},
            "the model file missing.safetensors is missing",
        ),
    ],
    ids=[
        "model_missing",
        "node_missing",
        "below_min",
        "wrong_type",
        "input_missing",
        "no_outputs",
        "one_branch",
    ],
)
def test_a_rejected_workflow_becomes_a_plain_message(
    client: ComfyUIClient,
    prefix: str,
    graph: Any,
    code: str,
    params: dict[str, str],
    english: str,
) -> None:
    with pytest.raises(PromptRejectedError) as raised:
        client.submit(graph(prefix), label=LABEL)

    error = raised.value
    assert error.code == code
    assert error.params == {"output": LABEL, **params}
    assert english in Translator().translate(error.code, "en", error.params)
    assert Translator().translate(error.code, "de", error.params).startswith(("Test output", "Der", "Die"))
    assert client.queue().pending == ()


def test_a_server_error_on_submit_is_reported(client: ComfyUIClient) -> None:
    # ComfyUI answers a prompt that is not an object with a text/plain 500 (as for malformed JSON).
    with pytest.raises(AppError) as raised:
        client.submit(cast(dict[str, Any], [1, 2]), label=LABEL)
    assert raised.value.code == "comfyui_server_error"
    assert raised.value.params == {"status": "500"}


def test_a_runtime_error_is_a_plain_message_without_traceback(
    comfyui: RunningComfyUI, client: ComfyUIClient, prefix: str
) -> None:
    name = f"garbage-{uuid.uuid4().hex[:8]}.wav"
    upload = loopback_http.post(
        f"{comfyui.url}/upload/image",
        files={"image": (name, b"RIFF\x00\x01garbage" * 64, "audio/wav")},
        data={"type": "input", "overwrite": "true"},
        timeout=30,
    )
    assert upload.status_code == 200

    events = without_queued(run(client.submit(workflows.load_audio(prefix, name), label=LABEL)))

    assert NodeExecuting("1", "LoadAudio") in events
    assert not [event for event in events if isinstance(event, NodeExecuted | Succeeded)]
    final = events[-1]
    assert isinstance(final, Failed)
    assert final.code == "comfyui_node_failed"
    assert final.node == "1" and final.class_type == "LoadAudio"
    assert final.params["output"] == LABEL and final.params["node"] == "LoadAudio"
    assert final.params["exception"] == "InvalidDataError"
    assert f"<state>/input/{name}" in final.params["message"]
    shown = " ".join(final.params.values())
    assert str(comfyui.state_dir) not in shown and "Traceback" not in shown and 'File "' not in shown


def test_an_interrupt_ends_the_prompt_at_the_next_node_boundary(client: ComfyUIClient, prefix: str) -> None:
    handle = client.submit(workflows.blur(prefix, 2048), label=LABEL)
    events: list[PromptEvent] = []
    for event in handle.events(RUN_TIMEOUT_S):
        events.append(event)
        if event == NodeExecuting("2", "ImageBlur"):
            client.cancel(handle.prompt_id)

    assert events[-1] == Interrupted("3")
    assert not [event for event in events if isinstance(event, NodeExecuted | Succeeded | Failed)]
    history = client.history(handle.prompt_id)
    assert history is not None and history.status.status_str == "error" and history.outputs == {}


def test_a_second_prompt_learns_its_place_in_the_queue(client: ComfyUIClient, prefix: str) -> None:
    first = client.submit(workflows.blur(f"{prefix}-1", 1024), label=LABEL)
    second = client.submit(workflows.image(f"{prefix}-2", color=13382502), label=LABEL)

    first_events = run(first)
    second_events = run(second)

    assert isinstance(first_events[-1], Succeeded) and isinstance(second_events[-1], Succeeded)
    positions = [event.position for event in second_events if isinstance(event, Queued)]
    assert positions and positions[0] == 1
    assert positions == sorted(positions, reverse=True)
    assert second_events.index(ExecutionStarted()) > max(
        index for index, event in enumerate(second_events) if isinstance(event, Queued)
    )
    assert second.number == first.number + 1


def test_a_waiting_prompt_is_removed_from_the_queue(client: ComfyUIClient, prefix: str) -> None:
    running = client.submit(workflows.blur(f"{prefix}-1", 1024), label=LABEL)
    waiting = client.submit(workflows.image(f"{prefix}-2", color=1234567), label=LABEL)

    client.cancel(waiting.prompt_id)

    assert run(waiting) == [Queued(1), Interrupted(None)]
    assert isinstance(run(running)[-1], Succeeded)
    assert client.history(waiting.prompt_id) is None
    assert waiting.prompt_id not in client.queue().pending


def test_sampler_progress_comes_with_previews_that_name_prompt_and_node(
    comfyui: RunningComfyUI, client: ComfyUIClient, prefix: str
) -> None:
    if not comfyui.can_sample:
        pytest.skip("set COMFYUI_TINY_CHECKPOINT to sample on a real ComfyUI")
    events = without_queued(run(client.submit(workflows.sampler(prefix, CHECKPOINT_NAME), label=LABEL)))

    steps = [event for event in events if isinstance(event, Progress) and event.node == "5"]
    previews = [event for event in events if isinstance(event, Preview)]
    assert [(step.value, step.max) for step in steps] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len(previews) == 4
    for preview in previews:
        assert preview.mime == "image/jpeg" and preview.node == "5"
        assert preview.image.startswith(b"\xff\xd8")
    # With metadata (type 4) a preview comes before the progress message of its step.
    assert kinds_around_steps(events) == ["Preview", "Progress"] * 4
    assert [e.node for e in events if isinstance(e, NodeExecuting)] == ["1", "4", "3", "2", "5", "6", "7"]
    assert isinstance(events[-1], Succeeded) and events[-1].files[0].node == "7"


def test_legacy_previews_are_given_to_the_running_prompt(comfyui: RunningComfyUI, prefix: str) -> None:
    if not comfyui.can_sample:
        pytest.skip("set COMFYUI_TINY_CHECKPOINT to sample on a real ComfyUI")
    client = new_client(comfyui, preview_metadata=False)
    try:
        events = without_queued(
            run(client.submit(workflows.sampler(prefix, CHECKPOINT_NAME, seed=7), label=LABEL))
        )
    finally:
        client.close()

    steps = [event for event in events if isinstance(event, Progress) and event.node == "5"]
    previews = [event for event in events if isinstance(event, Preview)]
    assert len(steps) == 4 and len(previews) == 4
    for preview in previews:
        assert preview.mime == "image/jpeg" and preview.node is None
    assert kinds_around_steps(events) == ["Progress", "Preview"] * 4  # type 1 follows its progress
    assert isinstance(events[-1], Succeeded)


def test_audio_outputs_are_found_under_the_audio_key(
    client: ComfyUIClient, prefix: str, tmp_path: Path
) -> None:
    final = run(client.submit(workflows.audio(prefix), label=LABEL))[-1]

    assert isinstance(final, Succeeded)
    subfolder, name = prefix.split("/")
    assert [(f.node, f.key, f.subfolder, f.animated) for f in final.files] == [
        ("2", "audio", subfolder, False),
        ("3", "audio", subfolder, False),
    ]
    # One file counter for the prefix, shared by both branches (which runs first may vary).
    mp3, flac = final.files[0].filename, final.files[1].filename
    assert mp3.endswith("_.mp3") and flac.endswith("_.flac")
    assert {mp3[: -len(".mp3")], flac[: -len(".flac")]} == {f"{name}_00001_", f"{name}_00002_"}
    mimes = {file.node: client.download(file, tmp_path / file.filename).mime for file in final.files}
    assert mimes == {"2": "audio/mpeg", "3": "audio/flac"}


def test_video_outputs_are_animated_images(client: ComfyUIClient, prefix: str, tmp_path: Path) -> None:
    final = run(client.submit(workflows.video(prefix), label=LABEL))[-1]

    assert isinstance(final, Succeeded)
    assert [(f.node, f.key, f.animated) for f in final.files] == [
        ("3", "images", True),
        ("4", "images", True),
    ]
    mimes = [client.download(file, tmp_path / file.filename).mime for file in final.files]
    assert mimes == ["video/mp4", "image/webp"]
    assert final.files[0].filename.endswith(".mp4") and final.files[1].filename.endswith(".webp")


def test_closing_the_client_ends_prompts_in_flight(comfyui: RunningComfyUI, prefix: str) -> None:
    client = new_client(comfyui)
    handle = client.submit(workflows.blur(prefix, 1024), label=LABEL)
    started = threading.Event()
    events: list[PromptEvent] = []

    def consume() -> None:
        for event in handle.events(RUN_TIMEOUT_S):
            events.append(event)
            if isinstance(event, ExecutionStarted):
                started.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert started.wait(RUN_TIMEOUT_S)
    client.close()
    consumer.join(30)

    assert events[-1] == Failed("comfyui_connection_lost", {"output": LABEL})
    loopback_http.post(f"{comfyui.url}/interrupt", json={"prompt_id": handle.prompt_id}, timeout=10)


def test_a_prompt_removed_by_someone_else_is_reported_lost(comfyui: RunningComfyUI, prefix: str) -> None:
    client = new_client(comfyui, timeouts=ClientTimeouts(idle_check_s=0.3))
    try:
        running = client.submit(workflows.blur(f"{prefix}-1", 1024), label=LABEL)
        waiting = client.submit(workflows.image(f"{prefix}-2", color=7654321), label=LABEL)
        # Another ComfyUI client clears our waiting prompt; ComfyUI tells nobody.
        loopback_http.post(f"{comfyui.url}/queue", json={"delete": [waiting.prompt_id]}, timeout=10)

        assert run(waiting)[-1] == Failed("comfyui_prompt_lost", {"output": LABEL})
        assert isinstance(run(running)[-1], Succeeded)
    finally:
        client.close()
