"""The diagnostics zip: every part is there, and no secret is in any byte of it. The full zip comes
from the real app (its ComfyUI child and the process's log file are parts of it); the zip without a
ComfyUI from the app in-process."""

from __future__ import annotations

import io
import json
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.support.app_process import REPO_ROOT, AppProcess, start_app
from tests.support.in_process import InProcessApp, in_process_app

TEST_COMFYUI = REPO_ROOT / "tests" / "comfyui_testserver"
# Long enough that it cannot turn up by chance in a log (ports, pids, timestamps).
PIN = "739164205813"
KEY = "sk-proj-DiagnosticsTestKey-3e9b71c04d2a58f6"
EXPECTED_PARTS = {
    "README.txt",
    "versions.json",
    "settings.json",
    "policy.json",
    "api_keys.json",
    "comfyui/status.json",
    "comfyui/system_stats.json",
    "catalog_problems.json",
    "models.json",
    "notices.json",
    "logs/app.log",
}


def wait_until_comfyui_ready(app: AppProcess, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with app.client() as client:
        while client.get("/api/comfyui/status").json()["state"] != "ready":
            assert time.monotonic() < deadline, client.get("/api/comfyui/status").json()
            time.sleep(0.2)


def download(app: AppProcess | InProcessApp) -> tuple[bytes, zipfile.ZipFile]:
    with app.client() as client:
        response = client.get("/api/diagnostics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="ai4artsed-diagnostics-' in disposition
    return response.content, zipfile.ZipFile(io.BytesIO(response.content))


def test_the_zip_has_every_part_and_no_secret(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({"safety_level": "youth", "comment": "lab 3"}), encoding="utf-8")
    data = tmp_path / "data"
    app = start_app(
        data,
        extra_args=["--comfyui-dir", str(TEST_COMFYUI), "--comfyui-python", sys.executable],
        env={"AI4ARTSED_POLICY_FILE": str(policy_file)},
    )
    with app:
        wait_until_comfyui_ready(app)
        with app.client() as client:
            assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
            key_set = client.put("/api/keys/openai", json={"key": KEY, "pin": PIN})
            assert key_set.status_code == 200, key_set.text
            version = client.get("/api/health").json()["version"]
        raw, archive = download(app)

    names = set(archive.namelist())
    assert names >= EXPECTED_PARTS, EXPECTED_PARTS - names
    assert "logs/comfyui.log" in names
    assert not [name for name in names if "secret" in name.lower()]

    readme = archive.read("README.txt").decode("utf-8")
    assert "Diagnosedatei" in readme and "diagnostics file" in readme
    versions = json.loads(archive.read("versions.json"))
    assert versions["app"] == version
    assert versions["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    assert "pydantic" in versions["packages"]
    settings = json.loads(archive.read("settings.json"))
    assert settings["teacher_pin_set"] is True and "teacher_pin" not in settings
    assert settings["safety_level"] == "youth"
    assert settings["policy"]["locked"] == ["safety_level"]
    policy = json.loads(archive.read("policy.json"))
    assert policy["fixed"] == {"safety_level": "youth"} and policy["comment"] == "lab 3"
    keys = {entry["name"]: entry for entry in json.loads(archive.read("api_keys.json"))}
    assert keys["openai"] == {"name": "openai", "is_set": True}
    stats = json.loads(archive.read("comfyui/system_stats.json"))
    assert "system" in stats and "devices" in stats
    assert json.loads(archive.read("comfyui/status.json"))["state"] == "ready"
    assert isinstance(json.loads(archive.read("catalog_problems.json")), list)
    assert "outputs" in json.loads(archive.read("models.json"))
    assert isinstance(json.loads(archive.read("notices.json")), list)
    assert "starting AI4ArtsEd" in archive.read("logs/app.log").decode("utf-8")

    # Every byte: the zip itself and each part unpacked.
    pin_hash = json.loads((data / "config" / "teacher-pin.json").read_text(encoding="utf-8"))
    forbidden = [KEY, KEY[4:-4], PIN, pin_hash["salt"], pin_hash["hash"]]
    contents = [raw, *(archive.read(name) for name in names)]
    for secret in forbidden:
        for blob in contents:
            assert secret.encode() not in blob, f"a secret ({secret[:6]}...) is in the diagnostics file"


@pytest.mark.in_process
def test_without_comfyui_the_zip_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI4ARTSED_POLICY_FILE", str(tmp_path / "none.json"))
    with in_process_app(tmp_path / "data") as app:
        _, archive = download(app)
    stats = json.loads(archive.read("comfyui/system_stats.json"))
    assert "not running" in stats["note"]
    assert json.loads(archive.read("policy.json"))["file"] is None
