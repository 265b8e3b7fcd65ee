"""Opt-in: install the REAL ComfyUI from its release archive, start it, let it paint the self-test.

Set ``COMFYUI_ARCHIVE`` to ComfyUI's source archive. It is installed as "an archive file from IT":
with its sha256 (``COMFYUI_ARCHIVE_SHA256``, else computed here), because a snapshot archive need not
be the exact pinned commit tree. Packages come from ``COMFYUI_WHEEL_FOLDER`` (a folder made by
``tools/real_comfyui/make_cpu_wheel_folder.py``: CPU torch, repacked torchvision/torchaudio); without
it the test makes that folder first (needs PyPI and the CPU torch wheel in /opt/wheels), or uses
``COMFYUI_PACKAGE_INDEX`` (a mirror). The install itself then runs offline from the folder.

It prints the install's time and size on disk, then COMFYUI_DIR/COMFYUI_PYTHON for running the
real-ComfyUI suites (tests/comfyui_protocol, tests/contract) against the installed copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.app_process import start_app
from tests.support.job_events import final_state, read_events

pytestmark = [pytest.mark.real_comfyui, pytest.mark.timeout(3600)]
REPO_ROOT = Path(__file__).resolve().parents[2]


def _size_on_disk(folder: Path) -> int:
    return sum(path.lstat().st_blocks * 512 for path in folder.rglob("*"))


def _wheel_folder(archive: str, tmp_path: Path) -> str | None:
    if os.environ.get("COMFYUI_WHEEL_FOLDER") or os.environ.get("COMFYUI_PACKAGE_INDEX"):
        return os.environ.get("COMFYUI_WHEEL_FOLDER")
    folder = tmp_path / "wheels"
    script = REPO_ROOT / "tools" / "real_comfyui" / "make_cpu_wheel_folder.py"
    subprocess.run([sys.executable, str(script), archive, str(folder)], check=True)
    return str(folder)


def test_the_real_comfyui_installs_starts_and_paints(tmp_path: Path) -> None:
    archive = os.environ.get("COMFYUI_ARCHIVE")
    if not archive:
        pytest.skip("set COMFYUI_ARCHIVE to a ComfyUI source archive to install the real ComfyUI")
    pin = json.loads((REPO_ROOT / "configs" / "comfyui_release.json").read_text(encoding="utf-8"))
    pin["python"] = sys.executable  # a Python uv finds; no Python download needed
    release = tmp_path / "release.json"
    release.write_text(json.dumps(pin), encoding="utf-8")
    choices = {
        "archive_file": archive,
        "archive_sha256": os.environ.get("COMFYUI_ARCHIVE_SHA256")
        or hashlib.sha256(Path(archive).read_bytes()).hexdigest(),
        "package_index": os.environ.get("COMFYUI_PACKAGE_INDEX"),
        "wheel_folder": _wheel_folder(archive, tmp_path),
        "cpu_only": True,
    }
    with (
        start_app(tmp_path / "app", env={"AI4ARTSED_COMFYUI_RELEASE": str(release)}) as app,
        app.client() as client,
    ):
        started = time.monotonic()
        answer = client.post("/api/comfyui/install", json={"choices": choices, "leave_offline": True})
        assert answer.status_code == 202, answer.text
        events = read_events(client, answer.json()["job_id"])
        took = time.monotonic() - started
        log = app.data_dir / "data" / "logs" / "comfyui-install.log"
        errors = [event.data for event in events if event.type in ("error", "state")]
        if final_state(events) != "succeeded":
            print(app.output()[-6000:])
        assert final_state(events) == "succeeded", (errors, log.read_text(encoding="utf-8")[-5000:])
        uv_steps = [
            {
                key: event.data.get(key)
                for key in ("phase", "installed_bytes", "installed_packages", "elapsed_s")
            }
            for event in events
            if event.type == "install_progress" and event.data.get("finished")
        ]
        settings = client.get("/api/settings").json()["comfyui"]
        installs = app.data_dir / "data" / "comfyui" / "installs"
        (install,) = [folder for folder in installs.iterdir() if folder.is_dir()]
        print(f"\nreal install: {took:.0f} s, {_size_on_disk(install) / 1e9:.2f} GB on disk")
        source_mb, venv_gb = _size_on_disk(install / "ComfyUI") / 1e6, _size_on_disk(install / ".venv") / 1e9
        print(f"  ComfyUI {source_mb:.0f} MB, .venv {venv_gb:.2f} GB")
        print(f"  uv steps: {uv_steps}")
        print(f"COMFYUI_DIR={settings['directory']}\nCOMFYUI_PYTHON={settings['python']}")
        assert (install / "self-test.png").read_bytes().startswith(b"\x89PNG")
