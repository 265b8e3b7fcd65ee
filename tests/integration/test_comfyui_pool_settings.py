"""The pool's settings: today's settings.json gets the pool, machines with a proxy header are saved
(the header's value only in secrets.json, never answered, never in the diagnostics file), and the
pool's status answers for each machine. API answers only: the app's services run in the test process."""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from server.comfyui.pool import header_for_secrets
from server.settings.migrations import CURRENT_VERSION
from tests.support.app_process import free_port
from tests.support.in_process import in_process_app

# Written by main at 3ff9a81 (schema 2): English, offline, an external ComfyUI at 127.0.0.2:8188.
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "settings" / "v2-main-2026-12-05.json"
HEADER_VALUE = "Basic c2NodWxlOmdlaGVpbQ=="


@pytest.mark.in_process
def test_a_settings_file_of_the_previous_main_keeps_its_comfyui_as_the_pools_first_machine(
    tmp_path: Path,
) -> None:
    config = tmp_path / "data" / "config"
    config.mkdir(parents=True)
    shutil.copy(FIXTURE, config / "settings.json")
    old = json.loads(FIXTURE.read_text(encoding="utf-8"))
    with in_process_app(tmp_path / "data") as app, app.client("en") as client:
        settings = client.get("/api/settings").json()
        assert settings["comfyui"] == {**old["comfyui"], "machines": []}
        for name in ("language", "offline", "llm", "model_folders", "first_run_done"):
            assert settings[name] == old[name], name
        notices = [notice["code"] for notice in client.get("/api/system/info").json()["notices"]]
        assert "settings_damaged" not in notices
        machines = client.get("/api/comfyui/pool").json()["machines"]
        assert [machine["status"]["name"] for machine in machines] == ["http://127.0.0.2:8188"]
    migrated = json.loads((config / "settings.json").read_text(encoding="utf-8"))
    assert migrated["schema_version"] == CURRENT_VERSION and migrated["comfyui"]["machines"] == []


@pytest.mark.in_process
def test_pool_machines_are_saved_and_a_header_value_is_never_answered_or_in_diagnostics(
    tmp_path: Path,
) -> None:
    nowhere = f"http://127.0.0.2:{free_port()}"
    data = tmp_path / "data"
    with in_process_app(data) as app, app.client("en") as client:
        change: dict[str, Any] = {
            "mode": "none",
            "machines": [
                {
                    "url": nowhere + "/",
                    "name": "Server room",
                    "enabled": True,
                    "header_name": "Authorization",
                    "header_value": HEADER_VALUE,
                }
            ],
        }
        response = client.put("/api/settings/comfyui", json=change)
        assert response.status_code == 200, response.text
        assert HEADER_VALUE not in response.text
        machines = response.json()["comfyui"]["machines"]
        assert machines == [
            {"url": nowhere, "name": "Server room", "enabled": True, "header_name": "Authorization"}
        ]
        # Saved again without a value: the stored one stays.
        del change["machines"][0]["header_value"]
        assert client.put("/api/settings/comfyui", json=change).status_code == 200
        # A header without a value for a new machine is refused with a plain message.
        bad = {"mode": "none", "machines": [{"url": "http://127.0.0.3:1", "header_name": "Authorization"}]}
        refused = client.put("/api/settings/comfyui", json=bad)
        assert (
            refused.status_code == 400
            and refused.json()["error"]["code"] == "comfyui_pool_header_value_needed"
        )
        invalid = {"mode": "none", "machines": [{"url": "ftp://x", "enabled": True}]}
        assert (
            client.put("/api/settings/comfyui", json=invalid).json()["error"]["code"] == "comfyui_url_invalid"
        )

        deadline = time.monotonic() + 60
        while True:
            pool = client.get("/api/comfyui/pool").json()
            server_room = [m for m in pool["machines"] if m["status"]["name"] == "Server room"]
            if server_room and server_room[0]["status"]["state"] == "unreachable":
                break
            assert time.monotonic() < deadline, pool
            time.sleep(0.1)
        assert server_room[0]["status"]["has_header"] is True and server_room[0]["message"], server_room
        assert HEADER_VALUE not in json.dumps(pool)
        assert HEADER_VALUE not in client.get("/api/settings").text

        archive = zipfile.ZipFile(io.BytesIO(client.get("/api/diagnostics").content))
        assert "comfyui/pool.json" in archive.namelist()
        for name in archive.namelist():
            assert HEADER_VALUE.encode() not in archive.read(name), name

    config = data / "config"
    assert HEADER_VALUE not in (config / "settings.json").read_text(encoding="utf-8")
    # Kept like an API key (encoded: secrets.json holds tokens without spaces).
    assert header_for_secrets(HEADER_VALUE) in (config / "secrets.json").read_text(encoding="utf-8")
    for log_file in data.rglob("*.log"):
        assert HEADER_VALUE not in log_file.read_text(encoding="utf-8", errors="replace"), log_file
