"""A lab bundle carries its own Python: an offline PC without a suitable Python installs from it.

The bundle maker fetches the release's python-build-standalone ``install_only`` archive (here one
made from the tests' CPython, served on 127.0.0.1) through the app's guarded client, puts it into
``python/`` with its sha256 in the manifest, and builds the wheel list with that interpreter. The
installing PC runs ``uv python install`` from the stick (a one-entry download list with a file://
URL, ``--offline``) inside ``unshare -rn``, and ComfyUI's environment is made on that Python.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.comfyui_install.conftest import LocalSources, PythonRuntime
from tests.comfyui_install.test_install_pipeline import (
    _assert_installed_offline,
    _in_process,
    _install_without_network,
    _offline_release,
)
from tests.support.job_events import final_state, read_events

pytestmark = pytest.mark.timeout(600)


def _make_bundle(
    tmp_path: Path, local_sources: LocalSources, runtime: PythonRuntime, monkeypatch: pytest.MonkeyPatch
) -> Path:
    stick = tmp_path / "stick"
    stick.mkdir()
    maker = tmp_path / "maker"
    maker.mkdir()
    release = local_sources.release(maker / "release.json", python_runtime=runtime.pin())
    with _in_process(maker, monkeypatch, release) as app, app.client() as client:
        answer = client.post("/api/comfyui/install/bundle", json={"folder": str(stick)})
        assert answer.status_code == 202, answer.text
        events = read_events(client, answer.json()["job_id"])
        assert final_state(events) == "succeeded", events
    return stick


def _no_python_release(tmp_path: Path, local_sources: LocalSources) -> Path:
    """The offline pin, asking for a Python this PC does not have: only the bundle's can serve."""
    release = _offline_release(tmp_path, local_sources)
    pin = json.loads(release.read_text(encoding="utf-8"))
    pin["python"] = "3.9"
    release.write_text(json.dumps(pin), encoding="utf-8")
    return release


def test_a_lab_bundle_with_python_installs_on_its_own_python_with_no_network(
    tmp_path: Path,
    local_sources: LocalSources,
    python_runtime: PythonRuntime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stick = _make_bundle(tmp_path, local_sources, python_runtime, monkeypatch)
    root = stick / "ai4artsed-comfyui"
    manifest = json.loads((root / "ai4artsed-comfyui-bundle.json").read_text(encoding="utf-8"))
    runtime = manifest["python_runtime"]
    assert runtime == {
        "file": python_runtime.file,
        "sha256": python_runtime.sha256,
        "version": python_runtime.version,
        "platform_key": "linux-x86_64-gnu",
    }
    assert hashlib.sha256((root / "python" / runtime["file"]).read_bytes()).hexdigest() == runtime["sha256"]
    assert manifest["python_version"] == ".".join(python_runtime.version.split(".")[:2])

    result = _install_without_network(
        tmp_path, _no_python_release(tmp_path, local_sources), {"bundle_folder": str(stick)}
    )
    _assert_installed_offline(tmp_path, result)
    plan = result["plan"]
    assert isinstance(plan, dict)
    assert plan["python_source"] == "bundle" and plan["python"] == python_runtime.version
    assert plan["python_runtime_file"] == str(root / "python" / python_runtime.file)

    data = tmp_path / "app" / "data"
    venv_python = data / "comfyui" / "installs" / "0.3.64-1" / ".venv" / "bin" / "python"
    probe = subprocess.run(
        [str(venv_python), "-c", "import sys, aiohttp, yaml; print(sys.base_prefix)"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    base_prefix = Path(probe.stdout.strip())
    assert base_prefix.is_relative_to(data / "comfyui" / "python"), base_prefix
    assert not base_prefix.is_relative_to("/root/.pyenv")
    log = (data / "logs" / "comfyui-install.log").read_text(encoding="utf-8")
    assert "python install --no-config --offline" in log and "--python-downloads-json-url file://" in log


def _bundle_by_hand(tmp_path: Path, local_sources: LocalSources, runtime: PythonRuntime) -> Path:
    """What "make a lab bundle" writes, put together from the local sources (no maker app needed)."""
    stick = tmp_path / "stick"
    root = stick / "ai4artsed-comfyui"
    shutil.copytree(local_sources.folder / "wheels", root / "wheels")
    shutil.copy(local_sources.folder / local_sources.archive_name, root / "ComfyUI.archive")
    (root / "python").mkdir()
    shutil.copy(
        local_sources.folder / "python-build-standalone" / runtime.file, root / "python" / runtime.file
    )
    wheels = [
        {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        for path in sorted((root / "wheels").iterdir())
    ]
    manifest = {
        "format": 1,
        "version": "0.3.64",
        "torch_build": "cpu",
        "platform": "linux",
        "python_version": ".".join(runtime.version.split(".")[:2]),
        "archive": {"file": "ComfyUI.archive", "sha256": local_sources.archive_sha256},
        "wheels": wheels,
        "python_runtime": {
            "file": runtime.file,
            "sha256": runtime.sha256,
            "version": runtime.version,
            "platform_key": "linux-x86_64-gnu",
        },
    }
    (root / "ai4artsed-comfyui-bundle.json").write_text(json.dumps(manifest), encoding="utf-8")
    return stick


def test_a_lab_bundle_with_a_damaged_python_runtime_is_refused(
    tmp_path: Path,
    local_sources: LocalSources,
    python_runtime: PythonRuntime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stick = _bundle_by_hand(tmp_path, local_sources, python_runtime)
    damaged = stick / "ai4artsed-comfyui" / "python" / python_runtime.file
    with damaged.open("r+b") as archive_file:
        archive_file.seek(1000)
        archive_file.write(b"\0" * 64)
    release = _no_python_release(tmp_path, local_sources)
    with _in_process(tmp_path, monkeypatch, release) as app, app.client() as client:
        plan = client.post("/api/comfyui/install/plan", json={"bundle_folder": str(stick)})
        assert plan.status_code == 200 and plan.json()["python_source"] == "bundle", plan.text
        refused = client.post("/api/comfyui/install", json={"choices": {"bundle_folder": str(stick)}})
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert error["code"] == "comfyui_bundle_damaged"
        assert f"python/{python_runtime.file}" in error["message"]
        assert client.get("/api/comfyui/install").json()["current"] is None
    # Refused before the job: no install folder, no Python unpacked, no download list written.
    comfyui = tmp_path / "app" / "data" / "comfyui"
    assert not list(comfyui.glob("installs/*/.venv"))
    assert not list(comfyui.glob("python/cpython-*"))
    assert not (comfyui / "python-downloads.json").exists()


def test_uv_itself_refuses_a_runtime_whose_checksum_does_not_match(
    tmp_path: Path, local_sources: LocalSources, python_runtime: PythonRuntime
) -> None:
    """The second check: the download list uv reads carries the sha256, so uv refuses a swapped file
    (e.g. one changed on the stick after the app checked it) and the install leaves nothing behind."""
    from server.comfyui_install.environment import UvSetup, find_uv, python_install_command
    from server.comfyui_install.lab_bundle import uv_download_list

    archive = local_sources.folder / "python-build-standalone" / python_runtime.file
    listing = tmp_path / "downloads.json"
    wrong = "0" * 64
    listing.write_text(
        json.dumps(uv_download_list(archive, wrong, python_runtime.version, "linux-x86_64-gnu")),
        encoding="utf-8",
    )
    setup = UvSetup(uv=find_uv(), cache_dir=tmp_path / "cache", python_dir=tmp_path / "python", offline=True)
    done = subprocess.run(
        python_install_command(setup, listing, python_runtime.version),
        env=setup.python_install_environment({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode != 0
    assert "hash" in done.stderr.lower() or "sha256" in done.stderr.lower(), done.stderr
    assert not list((tmp_path / "python").glob("cpython-*/bin"))


def test_the_release_pins_a_python_runtime_for_every_supported_system() -> None:
    from server.comfyui_install.plan import load_release, runtime_platform_key

    release = load_release(Path(__file__).resolve().parents[2] / "configs" / "comfyui_release.json")
    runtime = release.python_runtime
    assert runtime is not None and runtime.version.startswith(release.python + ".")
    systems = {
        runtime_platform_key("linux", "x86_64"),
        runtime_platform_key("win32", "AMD64"),
        runtime_platform_key("darwin", "arm64"),
        runtime_platform_key("darwin", "x86_64"),
    }
    assert systems == {"linux-x86_64-gnu", "windows-x86_64-none", "darwin-aarch64-none", "darwin-x86_64-none"}
    assert systems <= set(runtime.downloads)
    for key, download in runtime.downloads.items():
        name = download.url.rsplit("/", 1)[-1]
        assert name.startswith(f"cpython-{runtime.version}%2B{runtime.build}-"), key
        assert name.endswith("-install_only_stripped.tar.gz"), key
