"""The real app for workshop tests: the shipped catalog plus one test output, every LLM stage on the
OpenAI-compatible test server (its model name picks the behaviour), a safety level, and the ComfyUI
test server as the managed ComfyUI (started by the app's own supervisor, like a real one).

The settings are written into the app's data folder before it starts, as a teacher's settings.json.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import REPO_ROOT, AppProcess, start_app

LLM_STAGES = ("safety", "interception", "optimization", "translation")
COMFYUI_TESTSERVER = REPO_ROOT / "tests" / "comfyui_testserver"

# An image output with an optimization instruction and no model files: the optimization streams.
TEST_OUTPUT_ID = "test_painting"
TEST_OUTPUT_INSTRUCTION = "Describe the picture in short, concrete phrases."


def write_catalog(root: Path) -> Path:
    """The shipped configs/ and chunks/, plus the test output."""
    shutil.copytree(REPO_ROOT / "configs", root / "configs")
    shutil.copytree(REPO_ROOT / "chunks", root / "chunks")
    chunk = json.loads((root / "chunks" / "output_selftest_image.json").read_text(encoding="utf-8"))
    chunk["optimization_instruction"] = TEST_OUTPUT_INSTRUCTION
    (root / "chunks" / f"output_{TEST_OUTPUT_ID}.json").write_text(json.dumps(chunk), encoding="utf-8")
    output = json.loads((root / "configs" / "output" / "selftest_image.json").read_text(encoding="utf-8"))
    output.update(
        name={"de": "Testmalerei", "en": "Test painting"},
        description={"de": "Ein Testbild mit Anpassung.", "en": "A test picture with adaptation."},
        chunk=f"output_{TEST_OUTPUT_ID}",
        selftest=False,
        order=1,
    )
    (root / "configs" / "output" / f"{TEST_OUTPUT_ID}.json").write_text(json.dumps(output), encoding="utf-8")
    return root


def write_settings(
    app_folder: Path,
    llm: TestServerProcess,
    models: Mapping[str, str],
    base_urls: Mapping[str, str] | None = None,
    safety_level: str = "kids",
) -> None:
    """``models``: the test server behaviour per LLM stage (stages not named echo); ``base_urls``
    sends a stage elsewhere (e.g. a port where nothing listens)."""
    base_urls = base_urls or {}
    unknown = (set(models) | set(base_urls)) - set(LLM_STAGES)
    assert not unknown, f"not an LLM stage: {unknown}"
    settings: dict[str, Any] = {
        "llm": {
            stage: {
                "provider_id": "custom",
                "model": models.get(stage, "echo"),
                "base_url": base_urls.get(stage, llm.base_url),
            }
            for stage in LLM_STAGES
        },
        "safety_level": safety_level,
        "offline": True,
    }
    config_dir = app_folder / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "settings.json").write_text(json.dumps(settings), encoding="utf-8")


@contextmanager
def workshop_app(
    tmp_path: Path,
    llm: TestServerProcess,
    models: Mapping[str, str] | None = None,
    *,
    comfyui: bool = True,
    base_urls: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[AppProcess]:
    """``comfyui=False``: no ComfyUI at all (the settings' default), so every output is unavailable.
    ``env`` reaches the ComfyUI test server too (its COMFYUI_TESTSERVER_* knobs)."""
    if not (REPO_ROOT / "web" / "dist" / "index.html").is_file():
        raise RuntimeError("the web UI is not built: run `cd web && npm ci && npm run build` first")
    catalog = write_catalog(tmp_path / "catalog")
    folder = tmp_path / "app"
    write_settings(folder, llm, models or {}, base_urls)
    args = [f"--comfyui-dir={COMFYUI_TESTSERVER}", f"--comfyui-python={sys.executable}"] if comfyui else []
    with start_app(folder, catalog_root=catalog, extra_args=args, env=env) as running:
        yield running
