"""Protocol details beyond the recordings, taken from ComfyUI 0.3.64's behaviour."""

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import websockets

from tests.support import loopback_http
from tests.support.async_runner import run_coroutine

from .comfy_client import run_prompt
from .comfy_launcher import ComfyProcess

IMAGE: dict[str, Any] = {
    "class_type": "EmptyImage",
    "inputs": {"width": 32, "height": 32, "batch_size": 1, "color": 1},
}


def test_one_valid_and_one_invalid_branch(running_testserver: ComfyProcess) -> None:
    graph = {
        "1": IMAGE,
        "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "ok"}},
        "3": {"class_type": "EmptyImage", "inputs": {"width": -3, "height": 64, "batch_size": 1, "color": 1}},
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "bad"}},
    }
    run = run_prompt(running_testserver.base_url, graph)
    assert run.status_code == 200
    errors = run.response["node_errors"]
    assert list(errors) == ["3"]
    assert errors["3"]["dependent_outputs"] == ["4"]
    assert errors["3"]["errors"][0]["type"] == "value_smaller_than_min"
    assert list(run.history["outputs"]) == ["2"]
    assert run.history["prompt"][4] == ["2"]


def test_more_validation_errors(running_testserver: ComfyProcess) -> None:
    def post(body: dict[str, Any]) -> httpx.Response:
        return loopback_http.post(running_testserver.base_url + "/prompt", json=body)

    mismatch = post(
        {
            "prompt": {
                "1": IMAGE,
                "2": {"class_type": "SaveAudio", "inputs": {"audio": ["1", 0], "filename_prefix": "x"}},
            }
        }
    ).json()
    error = mismatch["node_errors"]["2"]["errors"][0]
    assert error["type"] == "return_type_mismatch"
    assert error["details"] == "audio, received_type(IMAGE) mismatch input_type(AUDIO)"
    missing_link = post(
        {"prompt": {"1": {"class_type": "SaveImage", "inputs": {"images": ["9", 0], "filename_prefix": "x"}}}}
    ).json()
    assert missing_link["node_errors"]["1"]["errors"][0]["type"] == "exception_during_validation"
    assert post({"prompt": {"1": {"inputs": {}}}}).json()["error"]["message"] == (
        "Cannot execute because a node is missing the class_type property."
    )
    load = post(
        {
            "prompt": {
                "1": {"class_type": "LoadImage", "inputs": {"image": "nosuch.png"}},
                "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}},
            }
        }
    )
    assert load.json()["node_errors"]["1"]["errors"][0]["details"] == "image - Invalid image file: nosuch.png"
    # The newer COMBO encoding is not checked against its options (ComfyUI 0.3.64 behaves so).
    video = {
        "1": dict(IMAGE),
        "2": {"class_type": "CreateVideo", "inputs": {"images": ["1", 0], "fps": 8.0}},
        "3": {
            "class_type": "SaveVideo",
            "inputs": {"video": ["2", 0], "filename_prefix": "v", "format": "avi", "codec": "auto"},
        },
    }
    assert post({"prompt": video}).status_code == 200
    # Every POST counts, accepted or not.
    numbers = [
        post(
            {"prompt": {"1": IMAGE, "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}}
        ).json()["number"]
        for _ in range(2)
    ]
    assert numbers[1] == numbers[0] + 1 and numbers[0] >= 5


async def _two_clients(base_url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def url(client_id: str) -> str:
        return base_url.replace("http://", "ws://") + "/ws?" + urlencode({"clientId": client_id})

    async with (
        websockets.connect(url("a")) as a,
        websockets.connect(url("b")) as b,
        httpx.AsyncClient() as http,
    ):
        got_a = [json.loads(await a.recv())]
        got_b = [json.loads(await b.recv())]
        graph = {
            "1": IMAGE,
            "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}},
        }
        await http.post(base_url + "/prompt", json={"prompt": graph, "client_id": "a", "prompt_id": "p1"})
        while not (got_a[-1]["type"] == "executing" and got_a[-1]["data"]["node"] is None):
            got_a.append(json.loads(await a.recv()))
        await asyncio.sleep(0.2)
        while True:
            try:
                got_b.append(json.loads(await asyncio.wait_for(b.recv(), 0.3)))
            except TimeoutError:
                break
        return got_a, got_b


def test_messages_go_to_their_client_and_status_to_all(running_testserver: ComfyProcess) -> None:
    got_a, got_b = run_coroutine(_two_clients(running_testserver.base_url))
    assert {m["type"] for m in got_a} >= {"execution_start", "executing", "executed", "execution_success"}
    assert {m["type"] for m in got_b} == {"status"}
    assert [m["data"]["status"]["exec_info"]["queue_remaining"] for m in got_b] == [0, 1, 1, 0]


def test_view_and_upload(running_testserver: ComfyProcess) -> None:
    base = running_testserver.base_url

    def view(**q: str) -> httpx.Response:
        return loopback_http.get(base + "/view", params=q)

    assert view(filename="../x.png", type="output").status_code == 400
    assert view(filename="a.png", subfolder="../..", type="output").status_code == 403
    assert view(filename="a.png", type="bogus").status_code == 400
    missing = view(filename="a.png", type="output")
    assert (missing.status_code, missing.headers.get("content-type"), missing.content) == (404, None, b"")

    def upload(data: bytes, **form: str) -> Any:
        files = {"image": ("a.png", data, "image/png")}
        return loopback_http.post(base + "/upload/image", files=files, data=form).json()

    assert upload(b"one") == {"name": "a.png", "subfolder": "", "type": "input"}
    assert upload(b"one")["name"] == "a.png"  # same content: no copy
    assert upload(b"two")["name"] == "a (1).png"
    assert upload(b"three", overwrite="true")["name"] == "a.png"
    assert upload(b"x", subfolder="sub")["subfolder"] == "sub"
    assert loopback_http.post(base + "/upload/image", data={"x": "1"}).status_code == 400
    served = view(filename="a.png", type="input")
    assert served.content == b"three"
    assert served.headers["content-disposition"] == 'filename="a.png"'
    assert (
        "a (1).png"
        in loopback_http.get(base + "/object_info/LoadImage").json()["LoadImage"]["input"]["required"][
            "image"
        ][0]
    )


def test_queue_delete_clear_free_and_api_prefix(running_testserver: ComfyProcess, tmp_path: Path) -> None:
    base = running_testserver.base_url
    slow = {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 4096, "height": 4096, "batch_size": 4, "color": 0},
        },
        "2": {"class_type": "ImageBlur", "inputs": {"image": ["1", 0], "blur_radius": 31, "sigma": 10.0}},
        "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
    }
    ids = ["q1", "q2", "q3"]
    for prompt_id in ids:
        assert (
            loopback_http.post(
                base + "/api/prompt", json={"prompt": slow, "prompt_id": prompt_id}
            ).status_code
            == 200
        )
    loopback_http.post(base + "/queue", json={"delete": ["q2"]})
    queue = loopback_http.get(base + "/api/queue").json()
    assert [e[1] for e in queue["queue_running"]] == ["q1"]
    assert [e[1] for e in queue["queue_pending"]] == ["q3"]
    cleared = loopback_http.post(base + "/queue", json={"clear": True})
    assert (cleared.status_code, cleared.content) == (200, b"")
    assert loopback_http.get(base + "/queue").json()["queue_pending"] == []
    assert (
        loopback_http.post(base + "/free", json={"unload_models": True, "free_memory": True}).status_code
        == 200
    )
    assert loopback_http.post(base + "/interrupt").status_code == 200
    assert loopback_http.get(base + "/api/system_stats").json()["system"]["comfyui_version"] == "0.3.64"
    assert loopback_http.get(base + "/object_info/NoSuchNode").json() == {}
    assert loopback_http.get(base + "/history/unknown").json() == {}
    foreign = loopback_http.post(
        base + "/prompt", json={"prompt": slow}, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403


def test_object_info_lists_the_workflow_nodes(running_testserver: ComfyProcess) -> None:
    info = loopback_http.get(running_testserver.base_url + "/object_info").json()
    needed = [
        "CheckpointLoaderSimple",
        "CLIPTextEncode",
        "EmptyLatentImage",
        "EmptySD3LatentImage",
        "KSampler",
        "KSamplerAdvanced",
        "VAEDecode",
        "VAELoader",
        "UNETLoader",
        "CLIPLoader",
        "DualCLIPLoader",
        "TripleCLIPLoader",
        "ModelSamplingSD3",
        "ModelSamplingAuraFlow",
        "FluxGuidance",
        "ConditioningZeroOut",
        "EmptyLatentAudio",
        "VAEDecodeAudio",
        "SaveAudio",
        "SaveAudioMP3",
        "EmptyImage",
        "ImageBlur",
        "SaveImage",
        "SaveAnimatedWEBP",
        "CreateVideo",
        "SaveVideo",
        "LoadAudio",
        "EmptyAudio",
        "EmptyLTXVLatentVideo",
        "LTXVConditioning",
        "LTXVScheduler",
        "SamplerCustom",
        "KSamplerSelect",
        "Wan22ImageToVideoLatent",
        "TextEncodeAceStepAudio",
        "EmptyAceStepLatentAudio",
    ]
    assert not [n for n in needed if n not in info]
    assert info["SaveVideo"]["output_node"] is True
    assert info["KSampler"]["output_node"] is False


def test_cached_rerun_and_reconnect(running_testserver: ComfyProcess) -> None:
    graph = {
        "1": IMAGE,
        "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "c"}},
    }
    first = run_prompt(running_testserver.base_url, graph)
    second = run_prompt(running_testserver.base_url, graph)
    assert first.of_type("execution_cached")[0]["data"]["nodes"] == []
    assert second.of_type("execution_cached")[0]["data"]["nodes"] == ["1", "2"]
    assert not [m for m in second.of_type("executing") if m["data"]["node"] is not None]
    assert second.history["outputs"] == first.history["outputs"]
    changed = dict(
        graph, **{"2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "d"}}}
    )
    third = run_prompt(running_testserver.base_url, changed)
    assert third.of_type("execution_cached")[0]["data"]["nodes"] == ["1"]
    assert [m["data"]["node"] for m in third.of_type("executing")] == ["2", None]
