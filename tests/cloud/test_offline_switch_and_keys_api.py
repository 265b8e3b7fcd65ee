"""Offline mode and API keys are teacher settings: once a teacher PIN exists, going online and changing a
key need it (going offline never does). ComfyUI runs with its offline settings and is restarted when
the mode changes (through the real app: ComfyUI is its child). The keys API reports a key as set with
its last four characters, never the key (in-process: only the answers count)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cloud.cloud_steps import set_key
from tests.cloud.conftest import KEYS
from tests.llm_testserver.process import TestServerProcess
from tests.support import loopback_http
from tests.support.app_process import REPO_ROOT, start_app
from tests.support.in_process import in_process_app
from tests.support.settings_files import write_settings

PIN = "4711"
TEST_COMFYUI = REPO_ROOT / "tests" / "comfyui_testserver"


def wait_ready(client: httpx.Client, not_pid: int | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        status: dict[str, Any] = client.get("/api/comfyui/status").json()
        if status["state"] == "ready" and status["pid"] != not_pid:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.1)


def comfyui_environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = [item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item]
    return {key.decode(): value.decode(errors="replace") for key, value in pairs}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the child's environment from /proc")
def test_offline_mode_is_a_teacher_setting_and_comfyui_follows_it(
    tmp_path: Path, llm_server: TestServerProcess
) -> None:
    data_dir = tmp_path / "app"
    write_settings(data_dir, base_url=llm_server.base_url)  # a new install: offline by default
    args = ["--comfyui-dir", str(TEST_COMFYUI), "--comfyui-python", sys.executable]
    with start_app(data_dir, extra_args=args) as app, app.client("en") as client:
        assert client.get("/api/settings").json()["offline"] is True
        first = wait_ready(client)
        stats = client.get("/api/comfyui/status").json()
        argv = loopback_http.get(f"{stats['url']}/system_stats", timeout=10).json()["system"]["argv"]
        assert "--disable-api-nodes" in argv
        env = comfyui_environment(first["pid"])
        assert env["HF_HUB_OFFLINE"] == "1" and env["TRANSFORMERS_OFFLINE"] == "1"

        # Without a PIN anyone at the app may switch (as with the safety level); then a teacher sets one.
        assert (
            client.put(
                "/api/teacher-pin" if False else "/api/settings/teacher-pin", json={"new_pin": PIN}
            ).status_code
            == 200
        )
        refused = client.put("/api/settings/offline", json={"offline": False})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "pin_wrong"
        wrong = client.put("/api/settings/offline", json={"offline": False, "pin": "0000"})
        assert wrong.status_code == 403
        assert client.get("/api/settings").json()["offline"] is True

        online = client.put("/api/settings/offline", json={"offline": False, "pin": PIN})
        assert online.status_code == 200 and online.json()["offline"] is False
        second = wait_ready(client, not_pid=first["pid"])
        argv = loopback_http.get(f"{second['url']}/system_stats", timeout=10).json()["system"]["argv"]
        assert "--disable-api-nodes" not in argv
        assert "HF_HUB_OFFLINE" not in comfyui_environment(second["pid"])

        # Closing the app off from the internet never needs the PIN.
        closed = client.put("/api/settings/offline", json={"offline": True})
        assert closed.status_code == 200 and closed.json()["offline"] is True
        third = wait_ready(client, not_pid=second["pid"])
        assert comfyui_environment(third["pid"])["HF_HUB_OFFLINE"] == "1"
    saved = (data_dir / "config" / "settings.json").read_text(encoding="utf-8")
    assert '"offline": true' in saved


@pytest.mark.in_process
def test_keys_need_the_pin_once_set_and_are_never_returned(
    tmp_path: Path, llm_server: TestServerProcess
) -> None:
    data_dir = tmp_path / "app"
    write_settings(data_dir, base_url=llm_server.base_url)
    with in_process_app(data_dir) as app, app.client("en") as client:
        status = set_key(client, "openai", f"  {KEYS['openai']}\n")  # pasted with spaces and a newline
        assert status == {
            "name": "openai",
            "label": "OpenAI",
            "providers": [
                {"id": "openai", "name": {"de": "OpenAI (Cloud)", "en": "OpenAI (cloud)"}, "is_cloud": True}
            ],
            "required": True,
            "is_set": True,
            "last4": KEYS["openai"][-4:],
        }
        listed = client.get("/api/keys")
        assert KEYS["openai"][:-4] not in listed.text
        assert "key" not in listed.json()["keys"][0]

        invalid = client.put("/api/keys/openai", json={"key": "two words-secretpart"})
        assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "key_invalid"
        assert "secretpart" not in invalid.text
        too_long = client.put("/api/keys/openai", json={"key": "x" * 5000})
        assert too_long.status_code == 400 and "xxxx" not in too_long.text
        assert client.put("/api/keys/nonsense", json={"key": "sk-abcdefghijklmnop"}).status_code == 404

        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
        replaced = client.put("/api/keys/openai", json={"key": "sk-student-own-key-000000"})
        assert replaced.status_code == 403 and replaced.json()["error"]["code"] == "pin_wrong"
        assert client.request("DELETE", "/api/keys/openai").status_code == 403
        assert client.get("/api/keys").json()["keys"][1]["last4"] == KEYS["openai"][-4:]

        assert set_key(client, "openrouter", KEYS["openrouter"], pin=PIN)["is_set"] is True
        removed = client.request("DELETE", "/api/keys/openai", json={"pin": PIN})
        assert removed.status_code == 200 and removed.json()["is_set"] is False
        assert removed.json()["last4"] is None
