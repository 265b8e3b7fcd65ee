"""An admin installs ComfyUI once for all users; each app runs it read-only, state in its own folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.comfyui_install.machine_wide import machine_comfyui_root
from tests.comfyui_install.conftest import LocalSources
from tests.support import loopback_http
from tests.support.app_process import start_app

pytestmark = pytest.mark.timeout(600)
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_machine_wide_folders() -> None:
    assert machine_comfyui_root({}, "linux") == Path("/opt/ai4artsed/comfyui")
    assert (
        machine_comfyui_root({"ProgramData": r"D:\PD"}, "win32") == Path(r"D:\PD") / "AI4ArtsEd" / "ComfyUI"
    )
    assert machine_comfyui_root({}, "darwin") == Path("/Library/Application Support/AI4ArtsEd/ComfyUI")


def _snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and folder below ``root`` with mode, mtime and content hash: what "never writes" means."""
    seen: dict[str, tuple[int, int, str]] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        )
        seen[path.relative_to(root).as_posix()] = (info.st_mode, info.st_mtime_ns, digest)
    return seen


def _wait_ready(client: httpx.Client) -> dict[str, object]:
    deadline = time.monotonic() + 120
    status: dict[str, object] = {}
    while time.monotonic() < deadline:
        status = client.get("/api/comfyui/status").json()
        if status["state"] == "ready":
            return status
        time.sleep(0.2)
    raise AssertionError(f"ComfyUI did not become ready: {status}")


def test_machine_wide_install_is_used_read_only_by_each_user(
    tmp_path: Path, local_sources: LocalSources
) -> None:
    root = tmp_path / "opt" / "ai4artsed" / "comfyui"
    release = local_sources.release(tmp_path / "release.json")
    env = {
        **os.environ,
        "AI4ARTSED_MACHINE_COMFYUI_ROOT": str(root),
        "AI4ARTSED_COMFYUI_RELEASE": str(release),
    }
    archive = local_sources.folder / local_sources.archive_name
    command = [sys.executable, "-m", "desktop.main", "--install-comfyui", "--machine-wide"]
    command += ["--archive", str(archive), "--archive-sha256", local_sources.archive_sha256]
    command += ["--wheel-folder", f"{local_sources.url}/wheels/"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=500)
    assert done.returncode == 0, done.stderr[-4000:]
    policy = json.loads(done.stdout)
    assert policy["comfyui"]["directory"] == str(root / "installs" / "0.3.64-1" / "ComfyUI")
    assert policy["comfyui_install"] == {"allowed": False, "root": str(root)}
    assert (root / "installs" / "0.3.64-1" / "installed.json").is_file()
    assert (root / "install.log").is_file()

    # The admin's work is done: the folder is read-only from now on (the test runs as root here, where
    # permissions do not bind, so "nothing written" is checked by a snapshot, not by a refusal).
    subprocess.run(["chmod", "-R", "a-w", str(root)], check=True)
    before = _snapshot(root)
    policy_file = tmp_path / "etc" / "policy.json"
    policy_file.parent.mkdir(parents=True)
    policy_file.write_text(json.dumps(policy), encoding="utf-8")
    app_env = {"AI4ARTSED_COMFYUI_RELEASE": str(release), "AI4ARTSED_POLICY_FILE": str(policy_file)}
    try:
        with start_app(tmp_path / "user-a", env=app_env) as app, app.client() as client:
            status = _wait_ready(client)
            assert client.get("/api/comfyui/install").json()["allowed"] is False
            refused = client.post("/api/comfyui/install", json={})
            assert refused.status_code == 403
            # A picture through the ComfyUI the app started from the machine-wide folder.
            comfy = loopback_http.client(base_url=str(status["url"]), timeout=30)
            prompt = {
                "1": {
                    "class_type": "EmptyImage",
                    "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0},
                },
                "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "user-a"}},
            }
            queued = comfy.post("/prompt", json={"prompt": prompt, "client_id": "machine-wide-test"})
            assert queued.status_code == 200, queued.text
            prompt_id = queued.json()["prompt_id"]
            deadline = time.monotonic() + 60
            while not comfy.get(f"/history/{prompt_id}").json() and time.monotonic() < deadline:
                time.sleep(0.2)
            outputs = list((app.data_dir / "data").rglob("user-a*.png"))
            assert outputs, "the picture must land in the user's own data folder"
            assert root not in outputs[0].parents
        assert _snapshot(root) == before
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(root)], check=False)
