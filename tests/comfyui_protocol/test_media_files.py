"""The save nodes write real media files; the workflows of the app's output chunks run end to end."""

import struct
from typing import Any

import httpx
import pytest

from tests.support import loopback_http

from .comfy_client import output_files, run_prompt
from .comfy_launcher import ComfyProcess
from .media_checks import check_media

EMPTY_IMAGE: dict[str, Any] = {
    "class_type": "EmptyImage",
    "inputs": {"width": 96, "height": 64, "batch_size": 3, "color": 0x3366CC},
}


def _fetch(server: ComfyProcess, item: dict[str, Any]) -> httpx.Response:
    return loopback_http.get(
        server.base_url + "/view",
        params={"filename": item["filename"], "subfolder": item["subfolder"], "type": item["type"]},
    )


def _check_outputs(server: ComfyProcess, history: dict[str, Any]) -> dict[str, bytes]:
    found = {}
    for item in output_files(history):
        response = _fetch(server, item)
        assert response.status_code == 200
        problem = check_media(response.headers["content-type"], response.content)
        assert problem is None, f"{item['filename']}: {problem}"
        found[item["filename"]] = response.content
    return found


def test_image_animation_and_video_files(running_testserver: ComfyProcess) -> None:
    graph = {
        "1": EMPTY_IMAGE,
        "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "sub/dir/pic"}},
        "3": {"class_type": "CreateVideo", "inputs": {"images": ["1", 0], "fps": 12.0}},
        "4": {
            "class_type": "SaveVideo",
            "inputs": {"video": ["3", 0], "filename_prefix": "v/clip", "format": "mp4", "codec": "auto"},
        },
        "5": {
            "class_type": "SaveAnimatedWEBP",
            "inputs": {
                "images": ["1", 0],
                "filename_prefix": "v/clip",
                "fps": 6.0,
                "lossless": True,
                "quality": 80,
                "method": "default",
            },
        },
        "6": {
            "class_type": "SaveAnimatedPNG",
            "inputs": {"images": ["1", 0], "filename_prefix": "v/clip", "fps": 6.0, "compress_level": 4},
        },
        "7": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
    }
    run = run_prompt(running_testserver.base_url, graph)
    assert run.of_type("execution_success")
    files = _check_outputs(running_testserver, run.history)
    assert [f for f in files if f.startswith("pic_")] == [
        "pic_00001_.png",
        "pic_00002_.png",
        "pic_00003_.png",
    ]
    # One counter per prefix, whatever the extension: the three v/clip files get 1, 2 and 3.
    clips = sorted(f for f in files if f.startswith("clip_"))
    assert [c.split("_")[1] for c in clips] == ["00001", "00002", "00003"]
    png = files["pic_00001_.png"]
    assert struct.unpack(">II", png[16:24]) == (96, 64)
    assert b"tEXtprompt" in png
    assert run.history["outputs"]["2"]["images"][0]["subfolder"] == "sub/dir"
    assert run.history["outputs"]["4"]["animated"] == [True]
    assert run.history["outputs"]["7"]["images"][0]["type"] == "temp"
    assert run.history["outputs"]["7"]["images"][0]["filename"].startswith("ComfyUI_temp_")

    again = run_prompt(
        running_testserver.base_url,
        dict(graph, **{"1": dict(EMPTY_IMAGE, inputs=dict(EMPTY_IMAGE["inputs"], color=0xFF0000))}),
    )
    assert again.history["outputs"]["2"]["images"][0]["filename"] == "pic_00004_.png"


def test_audio_files(running_testserver: ComfyProcess) -> None:
    graph = {
        "1": {"class_type": "EmptyAudio", "inputs": {"duration": 1.5, "sample_rate": 48000, "channels": 1}},
        "2": {"class_type": "SaveAudio", "inputs": {"audio": ["1", 0], "filename_prefix": "a/x"}},
        "3": {
            "class_type": "SaveAudioMP3",
            "inputs": {"audio": ["1", 0], "filename_prefix": "a/x", "quality": "320k"},
        },
        "4": {
            "class_type": "SaveAudioOpus",
            "inputs": {"audio": ["1", 0], "filename_prefix": "a/x", "quality": "128k"},
        },
    }
    run = run_prompt(running_testserver.base_url, graph)
    files = _check_outputs(running_testserver, run.history)
    assert sorted(f.rsplit(".", 1)[1] for f in files) == ["flac", "mp3", "opus"]
    flac = next(data for name, data in files.items() if name.endswith(".flac"))
    info = int.from_bytes(flac[18:26], "big")
    assert (info >> 44, ((info >> 41) & 7) + 1, info & ((1 << 36) - 1)) == (48000, 1, 72000)


TEXT_TO_AUDIO = {  # ACE-Step style
    "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
    "2": {
        "class_type": "TextEncodeAceStepAudio",
        "inputs": {"clip": ["1", 1], "tags": "piano", "lyrics": "", "lyrics_strength": 0.99},
    },
    "3": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["2", 0]}},
    "4": {"class_type": "EmptyAceStepLatentAudio", "inputs": {"seconds": 2.0, "batch_size": 1}},
    "5": {"class_type": "ModelSamplingSD3", "inputs": {"model": ["1", 0], "shift": 5.0}},
    "6": {
        "class_type": "KSampler",
        "inputs": {
            "model": ["5", 0],
            "seed": 1,
            "steps": 3,
            "cfg": 5.0,
            "sampler_name": "euler",
            "scheduler": "simple",
            "positive": ["2", 0],
            "negative": ["3", 0],
            "latent_image": ["4", 0],
            "denoise": 1.0,
        },
    },
    "7": {"class_type": "VAEDecodeAudio", "inputs": {"samples": ["6", 0], "vae": ["1", 2]}},
    "8": {
        "class_type": "SaveAudioMP3",
        "inputs": {"audio": ["7", 0], "filename_prefix": "music", "quality": "V0"},
    },
    "9": {"class_type": "SaveAudio", "inputs": {"audio": ["7", 0], "filename_prefix": "music"}},
}

TEXT_TO_VIDEO = {  # LTX-Video style, with the custom sampler nodes
    "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
    "2": {
        "class_type": "CLIPLoader",
        "inputs": {"clip_name": "t5.safetensors", "type": "ltxv", "device": "default"},
    },
    "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["2", 0]}},
    "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["2", 0]}},
    "5": {
        "class_type": "LTXVConditioning",
        "inputs": {"positive": ["3", 0], "negative": ["4", 0], "frame_rate": 24.0},
    },
    "6": {
        "class_type": "EmptyLTXVLatentVideo",
        "inputs": {"width": 128, "height": 96, "length": 17, "batch_size": 1},
    },
    "7": {
        "class_type": "LTXVScheduler",
        "inputs": {
            "steps": 3,
            "max_shift": 2.05,
            "base_shift": 0.95,
            "stretch": True,
            "terminal": 0.1,
            "latent": ["6", 0],
        },
    },
    "8": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
    "9": {
        "class_type": "SamplerCustom",
        "inputs": {
            "model": ["1", 0],
            "add_noise": True,
            "noise_seed": 3,
            "cfg": 3.0,
            "positive": ["5", 0],
            "negative": ["5", 1],
            "sampler": ["8", 0],
            "sigmas": ["7", 0],
            "latent_image": ["6", 0],
        },
    },
    "10": {"class_type": "VAEDecode", "inputs": {"samples": ["9", 0], "vae": ["1", 2]}},
    "11": {"class_type": "CreateVideo", "inputs": {"images": ["10", 0], "fps": 24.0}},
    "12": {
        "class_type": "SaveVideo",
        "inputs": {"video": ["11", 0], "filename_prefix": "video/ltx", "format": "auto", "codec": "auto"},
    },
}

TEXT_TO_IMAGE_SD3 = {  # SD3.5 / Flux style: separate loaders
    "1": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux.safetensors", "weight_dtype": "default"}},
    "2": {
        "class_type": "TripleCLIPLoader",
        "inputs": {
            "clip_name1": "t5.safetensors",
            "clip_name2": "t5.safetensors",
            "clip_name3": "t5.safetensors",
        },
    },
    "3": {"class_type": "VAELoader", "inputs": {"vae_name": "pixel_space"}},
    "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "a tree", "clip": ["2", 0]}},
    "5": {"class_type": "FluxGuidance", "inputs": {"conditioning": ["4", 0], "guidance": 3.5}},
    "6": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["4", 0]}},
    "7": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 128, "height": 64, "batch_size": 1}},
    "8": {"class_type": "ModelSamplingAuraFlow", "inputs": {"model": ["1", 0], "shift": 3.0}},
    "9": {
        "class_type": "KSamplerAdvanced",
        "inputs": {
            "model": ["8", 0],
            "add_noise": "enable",
            "noise_seed": 5,
            "steps": 6,
            "cfg": 1.0,
            "sampler_name": "euler",
            "scheduler": "simple",
            "positive": ["5", 0],
            "negative": ["6", 0],
            "latent_image": ["7", 0],
            "start_at_step": 2,
            "end_at_step": 10000,
            "return_with_leftover_noise": "disable",
        },
    },
    "10": {"class_type": "VAEDecode", "inputs": {"samples": ["9", 0], "vae": ["3", 0]}},
    "11": {"class_type": "SaveImage", "inputs": {"images": ["10", 0], "filename_prefix": "sd3"}},
}


@pytest.mark.parametrize(
    ("graph", "kinds", "steps"),
    [
        (TEXT_TO_AUDIO, ["audio/mpeg", "audio/flac"], 3),
        (TEXT_TO_VIDEO, ["video/mp4"], 3),
        (TEXT_TO_IMAGE_SD3, ["image/png"], 4),
    ],
    ids=["ace-step-audio", "ltxv-video", "sd3-image"],
)
def test_model_workflows_run(
    running_testserver: ComfyProcess, graph: dict[str, Any], kinds: list[str], steps: int
) -> None:
    # ComfyUI also looks into the output folder's model subfolders; new files there count at once.
    output = running_testserver.dirs.state / "output"
    for folder, name in (("clip", "t5.safetensors"), ("diffusion_models", "flux.safetensors")):
        (output / folder).mkdir(exist_ok=True)
        (output / folder / name).write_bytes(b"\x00")
    run = run_prompt(running_testserver.base_url, graph, feature_flags=True)
    assert run.status_code == 200, run.response
    assert run.of_type("execution_success"), run.messages
    progress = run.of_type("progress")
    assert [m["data"]["value"] for m in progress] == list(range(1, steps + 1))
    served = []
    for item in output_files(run.history):
        response = _fetch(running_testserver, item)
        assert check_media(response.headers["content-type"], response.content) is None
        served.append(response.headers["content-type"])
    assert sorted(served) == sorted(kinds)


def test_previews_are_jpeg(running_testserver: ComfyProcess) -> None:
    run = run_prompt(
        running_testserver.base_url,
        TEXT_TO_IMAGE_SD3
        | {
            "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
            "2": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
            "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "a tree", "clip": ["2", 1]}},
            "3": {"class_type": "VAELoader", "inputs": {"vae_name": "pixel_space"}},
        },
        feature_flags=True,
    )
    previews = [m for m in run.messages if m.get("kind") == "ws_binary"]
    assert len(previews) == 4
    for preview in previews:
        assert preview["event_type"] == 4
        assert preview["metadata"]["image_type"] == "image/jpeg"
        assert check_media("image/jpeg", preview["image"]) is None
