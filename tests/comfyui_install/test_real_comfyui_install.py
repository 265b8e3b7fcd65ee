"""Opt-in: install the REAL ComfyUI from its release archive, start it, let it paint the self-test.

Set ``COMFYUI_ARCHIVE`` to ComfyUI's source archive (e.g. the v0.3.64 tag tarball). Packages come from
the pinned indexes of configs/comfyui_release.json (PyTorch's CPU index and PyPI), or from
``COMFYUI_PACKAGE_INDEX`` (a mirror) / ``COMFYUI_WHEEL_FOLDER``. This test uses the network; it is
not part of the default `make test`. Afterwards it prints COMFYUI_DIR/COMFYUI_PYTHON for running the
real-ComfyUI suites (tests/comfyui_runtime, tests/comfyui_protocol) against the installed copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from tests.support.app_process import start_app
from tests.support.job_events import final_state, read_events

pytestmark = [pytest.mark.real_comfyui, pytest.mark.timeout(3600)]
REPO_ROOT = Path(__file__).resolve().parents[2]


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
        "archive_sha256": hashlib.sha256(Path(archive).read_bytes()).hexdigest(),
        "package_index": os.environ.get("COMFYUI_PACKAGE_INDEX"),
        "wheel_folder": os.environ.get("COMFYUI_WHEEL_FOLDER"),
        "cpu_only": True,
    }
    with (
        start_app(tmp_path / "app", env={"AI4ARTSED_COMFYUI_RELEASE": str(release)}) as app,
        app.client() as client,
    ):
        answer = client.post("/api/comfyui/install", json={"choices": choices, "leave_offline": True})
        assert answer.status_code == 202, answer.text
        events = read_events(client, answer.json()["job_id"])
        log = app.data_dir / "data" / "logs" / "comfyui-install.log"
        assert final_state(events) == "succeeded", (events, log.read_text(encoding="utf-8")[-5000:])
        settings = client.get("/api/settings").json()["comfyui"]
        print(f"\nCOMFYUI_DIR={settings['directory']}\nCOMFYUI_PYTHON={settings['python']}")
