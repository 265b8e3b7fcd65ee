"""Model files found through extra_model_paths.yaml: sections, legacy keys, several folders, new files."""

import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support import loopback_http

from .comfy_client import run_prompt
from .comfy_launcher import ComfyKind, StateDirs, start


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00" * 16)


def test_models_from_extra_model_paths(testserver: ComfyKind, tmp_path: Path) -> None:
    dirs = StateDirs.create(tmp_path / "run", testserver)
    library = tmp_path / "library"
    for name in (
        "checkpoints/sd/a.safetensors",
        "checkpoints/b.ckpt",
        "checkpoints/readme.txt",
        "te/clip_l.safetensors",
        "te2/t5.safetensors",
        "unet/flux.safetensors",
        "llm/model.gguf",
        "vae_approx/taesd_decoder.pth",
        "vae_approx/taesd_encoder.pth",
    ):
        _touch(library / name)
    links = sys.platform != "win32"  # Windows needs extra rights for symbolic links
    if links:
        (library / "checkpoints" / "linked.ckpt").symlink_to(library / "checkpoints" / "b.ckpt")
        (library / "checkpoints" / "dangling.safetensors").symlink_to(library / "nowhere.safetensors")
    yaml = tmp_path / "extra_model_paths.yaml"
    yaml.write_text(
        "ours:\n"
        "  base_path: library\n"  # relative to the yaml file
        "  is_default: true\n"
        "  checkpoints: checkpoints\n"
        "  clip: |\n    te\n    te2\n"  # legacy name, two folders
        "  unet: unet\n"  # legacy name
        "  vae_approx: vae_approx\n"
        "  llm: llm\n"  # a folder key ComfyUI does not know
        "empty:\n"
    )
    base = tmp_path / "base"
    _touch(base / "models" / "checkpoints" / "own.safetensors")
    server = start(
        testserver, dirs, extra_args=["--extra-model-paths-config", str(yaml), "--base-directory", str(base)]
    )
    try:

        def get(path: str) -> httpx.Response:
            return loopback_http.get(server.base_url + path)

        keys = get("/models").json()
        assert keys[:3] == ["checkpoints", "configs", "loras"]
        assert "llm" in keys and "clip" not in keys and "unet" not in keys
        linked = ["dangling.safetensors", "linked.ckpt"] if links else []
        assert get("/models/checkpoints").json() == sorted(
            ["b.ckpt", *linked, "own.safetensors", "sd/a.safetensors", "tiny-sd15.safetensors"]
        )
        assert get("/models/text_encoders").json() == ["clip_l.safetensors", "t5.safetensors"]
        assert get("/models/diffusion_models").json() == ["flux.safetensors"]
        assert get("/models/llm").json() == ["model.gguf"]
        assert get("/api/models/clip").status_code == 404
        assert get("/models/unet").status_code == 404
        assert get("/models/nosuch").status_code == 404
        vae = get("/object_info/VAELoader").json()["VAELoader"]["input"]["required"]["vae_name"][0]
        assert vae == ["taesd", "pixel_space"]
        triple = get("/object_info/TripleCLIPLoader").json()["TripleCLIPLoader"]["input"]["required"]
        assert triple["clip_name1"][1]["options"] == ["clip_l.safetensors", "t5.safetensors"]

        _touch(library / "checkpoints" / "new.safetensors")
        assert "new.safetensors" in get("/models/checkpoints").json()
        choices = get("/object_info/CheckpointLoaderSimple").json()["CheckpointLoaderSimple"]["input"][
            "required"
        ]
        assert "new.safetensors" in choices["ckpt_name"][0]

        graph: dict[str, Any] = {
            "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "new.safetensors"}},
            "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "x", "clip": ["1", 1]}},
            "3": {"class_type": "PreviewAny", "inputs": {"source": ["2", 0]}},
        }
        assert run_prompt(server.base_url, graph).of_type("execution_success")
        if links:
            graph["1"]["inputs"]["ckpt_name"] = "dangling.safetensors"
            error = run_prompt(server.base_url, graph).of_type("execution_error")[0]["data"]
            assert error["exception_type"] == "FileNotFoundError"
        graph["1"]["inputs"]["ckpt_name"] = "gone.safetensors"
        rejected = run_prompt(server.base_url, graph)
        assert rejected.status_code == 400
        assert rejected.response["node_errors"]["1"]["errors"][0]["type"] == "value_not_in_list"
    finally:
        server.stop()
