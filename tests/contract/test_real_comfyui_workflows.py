"""Contract: a real ComfyUI accepts every output chunk and runs the self-tests to the end.

Runs when COMFYUI_DIR (a ComfyUI source tree) and COMFYUI_PYTHON (its interpreter) are set, e.g.
after tools/real_comfyui/setup.sh; skipped otherwise.

For each model output, empty placeholder files with the expected names go into a temporary models
folder that ComfyUI reads through an extra_model_paths.yaml. ComfyUI's POST /prompt validation only
checks that a loader's file name is in its list, so an accepted prompt proves that node classes,
input names, combo values and links are right. The prompt is then removed from the queue: with empty
files its execution can only fail, and only validation matters here. The self-test outputs need no
model, so they run to the end and their media files are checked.
"""

from __future__ import annotations

import copy
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from server.catalog.models import (
    ComfyUIChunk,
    MappedParameter,
    ModelFile,
    ModelFolder,
    ModelManifestFile,
    OutputConfig,
)
from tests.support import loopback_http
from tests.support.app_process import free_port

pytestmark = pytest.mark.real_comfyui

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180.0
RUN_TIMEOUT_S = 120.0
FIXED_SEED = 123456789
TEST_LYRICS = "[verse]\nPaper boats on a rainy street\n[chorus]\nSail away, sail away"


# ---------------------------------------------------------------- catalog files


def load_outputs() -> dict[str, OutputConfig]:
    """The ComfyUI outputs (cloud outputs have no workflow; tests/cloud checks them)."""
    outputs = {
        path.stem: OutputConfig.model_validate_json(path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "configs" / "output").glob("*.json"))
    }
    return {oid: output for oid, output in outputs.items() if not output.backend.is_cloud}


def load_chunk(chunk_id: str) -> ComfyUIChunk:
    return ComfyUIChunk.model_validate_json(
        (REPO / "chunks" / f"{chunk_id}.json").read_text(encoding="utf-8")
    )


def load_models() -> dict[str, ModelFile]:
    manifest = ModelManifestFile.model_validate_json((REPO / "configs" / "models.json").read_text("utf-8"))
    return {model.id: model for model in manifest.models}


OUTPUTS = load_outputs()
MODEL_OUTPUT_IDS = sorted(oid for oid, output in OUTPUTS.items() if not output.selftest)
SELFTEST_IDS = sorted(oid for oid, output in OUTPUTS.items() if output.selftest)


# ---------------------------------------------------------------- mapping
# A stand-in for the app's workflow mapping module: it puts the output's defaults (and fixed test
# values for text and seed) into a copy of the chunk's workflow.


def parameter_values(output_id: str, output: OutputConfig) -> dict[MappedParameter, object]:
    defaults = output.defaults
    return {
        MappedParameter.PROMPT: f"contract test prompt for {output_id}",
        MappedParameter.NEGATIVE_PROMPT: defaults.negative_prompt or "",
        MappedParameter.SEED: FIXED_SEED if defaults.seed == "random" else defaults.seed,
        MappedParameter.STEPS: defaults.steps,
        MappedParameter.CFG: defaults.cfg,
        MappedParameter.WIDTH: defaults.width,
        MappedParameter.HEIGHT: defaults.height,
        MappedParameter.DURATION: defaults.duration,
        MappedParameter.FRAMES: defaults.frames,
        MappedParameter.FPS: defaults.fps,
        MappedParameter.LYRICS: TEST_LYRICS,
        MappedParameter.FILENAME_PREFIX: f"contract/{output_id}",
    }


def mapped_workflow(output_id: str) -> tuple[dict[str, Any], dict[MappedParameter, object]]:
    output = OUTPUTS[output_id]
    chunk = load_chunk(output.chunk)
    workflow: dict[str, Any] = copy.deepcopy(
        {node_id: node.model_dump(mode="json") for node_id, node in chunk.workflow.items()}
    )
    values = parameter_values(output_id, output)
    for parameter in chunk.input_mappings:
        value = values[parameter]
        assert value is not None, f"{output_id} maps {parameter.value} but has no value for it"
        for target in chunk.targets(parameter):
            workflow[target.node]["inputs"][target.input] = value
    return workflow, values


# ---------------------------------------------------------------- a real ComfyUI


@dataclass(frozen=True)
class RealComfyUI:
    base_url: str
    output_dir: Path
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]


def comfyui_location() -> tuple[Path, Path]:
    comfy_dir = os.environ.get("COMFYUI_DIR")
    comfy_python = os.environ.get("COMFYUI_PYTHON")
    if not comfy_dir or not comfy_python:
        pytest.skip("set COMFYUI_DIR and COMFYUI_PYTHON to run the real ComfyUI contract tests")
    src, python = Path(comfy_dir), Path(comfy_python)
    if not (src / "main.py").is_file():
        pytest.skip(f"COMFYUI_DIR has no main.py: {src}")
    if not python.is_file():
        pytest.skip(f"COMFYUI_PYTHON is not a file: {python}")
    return src, python


def place_placeholder_models(models_dir: Path) -> Path:
    """Empty files with every expected name, and the yaml that points ComfyUI at them."""
    manifest = load_models()
    folders: set[ModelFolder] = set()
    for output_id in MODEL_OUTPUT_IDS:
        for model_id in OUTPUTS[output_id].models:
            model = manifest[model_id]
            (models_dir / model.folder.value).mkdir(parents=True, exist_ok=True)
            (models_dir / model.folder.value / model.filename).touch()
            folders.add(model.folder)
    section: dict[str, object] = {"base_path": str(models_dir), "is_default": True}
    section.update({folder.value: folder.value for folder in sorted(folders)})
    config = models_dir / "extra_model_paths.yaml"
    config.write_text(yaml.safe_dump({"ai4artsed_contract": section}), encoding="utf-8")
    return config


def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    env.update({"PYTHONUTF8": "1", "PYTHONUNBUFFERED": "1", "DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1"})
    return env


@pytest.fixture(scope="module")
def comfyui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealComfyUI]:
    src, python = comfyui_location()
    root = tmp_path_factory.mktemp("real-comfyui")
    dirs = {name: root / name for name in ("output", "input", "temp", "user", "models")}
    for directory in dirs.values():
        directory.mkdir()
    config = place_placeholder_models(dirs["models"])
    port = free_port()
    log_path = root / "comfyui.log"
    command = [
        str(python),
        "main.py",
        "--cpu",
        "--disable-auto-launch",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--output-directory",
        str(dirs["output"]),
        "--input-directory",
        str(dirs["input"]),
        "--temp-directory",
        str(dirs["temp"]),
        "--user-directory",
        str(dirs["user"]),
        "--extra-model-paths-config",
        str(config),
        "--database-url",
        "sqlite:///:memory:",
        "--disable-all-custom-nodes",
        "--disable-api-nodes",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=src,
            env=clean_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = RealComfyUI(f"http://127.0.0.1:{port}", dirs["output"], log_path)
    try:
        wait_until_ready(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def wait_until_ready(server: RealComfyUI, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"ComfyUI exited with {process.returncode} before it was ready:\n{server.log_tail()}")
        try:
            if loopback_http.get(f"{server.base_url}/system_stats", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"ComfyUI did not answer /system_stats within {START_TIMEOUT_S} s:\n{server.log_tail()}")


def post_prompt(server: RealComfyUI, workflow: dict[str, Any]) -> tuple[str, httpx.Response]:
    prompt_id = str(uuid.uuid4())
    body = {"prompt": workflow, "client_id": f"contract-{uuid.uuid4()}", "prompt_id": prompt_id}
    return prompt_id, loopback_http.post(f"{server.base_url}/prompt", json=body, timeout=30)


def describe_rejection(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:2000]}"
    lines = [f"HTTP {response.status_code}: {body.get('error', {}).get('message', '')}"]
    for node_id, node in (body.get("node_errors") or {}).items():
        for error in node.get("errors", []):
            lines.append(
                f"  node {node_id} ({node.get('class_type')}): {error.get('message')} {error.get('details')}"
            )
    return "\n".join(lines)


def queued_ids(server: RealComfyUI) -> set[str]:
    queue = loopback_http.get(f"{server.base_url}/queue", timeout=10).json()
    return {entry[1] for key in ("queue_running", "queue_pending") for entry in queue[key]}


def remove_from_queue(server: RealComfyUI, prompt_id: str) -> None:
    loopback_http.post(f"{server.base_url}/queue", json={"delete": [prompt_id]}, timeout=10)
    loopback_http.post(f"{server.base_url}/interrupt", json={"prompt_id": prompt_id}, timeout=10)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while prompt_id in queued_ids(server):
        assert time.monotonic() < deadline, f"prompt {prompt_id} still queued after {RUN_TIMEOUT_S} s"
        time.sleep(0.2)


def wait_for_history(server: RealComfyUI, prompt_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        history = loopback_http.get(f"{server.base_url}/history/{prompt_id}", timeout=10).json()
        if prompt_id in history:
            entry: dict[str, Any] = history[prompt_id]
            return entry
        time.sleep(0.2)
    pytest.fail(f"no history for {prompt_id} after {RUN_TIMEOUT_S} s:\n{server.log_tail()}")


# ---------------------------------------------------------------- the checks


@pytest.mark.parametrize("output_id", MODEL_OUTPUT_IDS)
def test_model_output_passes_prompt_validation(comfyui: RealComfyUI, output_id: str) -> None:
    workflow, _ = mapped_workflow(output_id)
    prompt_id, response = post_prompt(comfyui, workflow)
    try:
        assert response.status_code == 200, describe_rejection(response)
        assert response.json()["node_errors"] == {}
    finally:
        if response.status_code == 200:
            remove_from_queue(comfyui, prompt_id)


def test_a_missing_model_file_is_rejected_by_name(comfyui: RealComfyUI) -> None:
    # The contract check above only means something if ComfyUI really compares loader file names.
    workflow, _ = mapped_workflow("sd35_large")
    workflow["1"]["inputs"]["ckpt_name"] = "not-installed.safetensors"
    _, response = post_prompt(comfyui, workflow)
    assert response.status_code == 400
    errors = response.json()["node_errors"]["1"]["errors"]
    assert errors[0]["type"] == "value_not_in_list"


@pytest.mark.parametrize("output_id", SELFTEST_IDS)
def test_selftest_runs_to_the_end_and_writes_its_media(comfyui: RealComfyUI, output_id: str) -> None:
    workflow, values = mapped_workflow(output_id)
    prompt_id, response = post_prompt(comfyui, workflow)
    assert response.status_code == 200, describe_rejection(response)
    entry = wait_for_history(comfyui, prompt_id)
    assert entry["status"]["status_str"] == "success", entry["status"]

    outputs: dict[str, dict[str, Any]] = entry["outputs"]
    texts = [text for node in outputs.values() for text in node.get("text", [])]
    assert texts == [values[MappedParameter.PROMPT]], "the prompt did not reach the workflow"

    media_key = "audio" if OUTPUTS[output_id].media_type == "audio" else "images"
    files = [item for node in outputs.values() for item in node.get(media_key, [])]
    assert len(files) == 1, outputs
    item = files[0]
    assert item["type"] == "output"
    assert item["subfolder"] == "contract"
    assert item["filename"].startswith(output_id)
    data = (comfyui.output_dir / item["subfolder"] / item["filename"]).read_bytes()
    view = loopback_http.get(
        f"{comfyui.base_url}/view",
        params={"filename": item["filename"], "subfolder": item["subfolder"], "type": "output"},
        timeout=30,
    )
    assert view.status_code == 200
    assert view.content == data
    check_media(output_id, data, values, outputs)


def check_media(
    output_id: str, data: bytes, values: dict[MappedParameter, object], outputs: dict[str, dict[str, Any]]
) -> None:
    media_type = OUTPUTS[output_id].media_type
    if media_type == "image":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        assert (width, height) == (values[MappedParameter.WIDTH], values[MappedParameter.HEIGHT])
    elif media_type == "audio":
        # MP3: an ID3 tag or an MPEG audio frame sync at the start.
        assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0), data[:16]
    elif media_type == "video":
        assert data[4:8] == b"ftyp", "not an MP4 file"
        animated = [flag for node in outputs.values() for flag in node.get("animated", [])]
        assert animated == [True]
    else:
        pytest.fail(f"no media check for {media_type}")
