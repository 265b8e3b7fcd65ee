"""A lab policy: shown in the settings, enforced on every change, seen by consumers. The policy comes
from the app's environment (AI4ARTSED_POLICY_FILE): through the real app for the whole policy and
for a broken file (which also goes to the process's log); in-process, with the variable set by
monkeypatch as the app reads it, where only the answers count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.cloud_steps import OPENAI_OUTPUT, output_entry, set_key
from tests.support.app_process import AppProcess, free_port, start_app
from tests.support.in_process import in_process_app
from tests.support.job_events import read_events

PIN = "4711"
TEST_KEY = "sk-proj-PolicyTestKey-0a1b2c3d4e5f6789"


def write_policy_and_settings(tmp_path: Path, policy: object, settings: dict[str, Any]) -> Path:
    """Writes the policy file and the saved settings; returns the policy file."""
    policy_file = tmp_path / "etc" / "policy.json"
    policy_file.parent.mkdir(parents=True, exist_ok=True)
    policy_file.write_text(policy if isinstance(policy, str) else json.dumps(policy), encoding="utf-8")
    data = tmp_path / "data"
    (data / "config").mkdir(parents=True, exist_ok=True)
    (data / "config" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return policy_file


def start_with_policy(tmp_path: Path, policy: object, settings: dict[str, Any]) -> AppProcess:
    policy_file = write_policy_and_settings(tmp_path, policy, settings)
    return start_app(tmp_path / "data", env={"AI4ARTSED_POLICY_FILE": str(policy_file)})


def test_policy_is_shown_enforced_and_honoured_by_the_consumers(tmp_path: Path) -> None:
    comfyui_url = f"http://127.0.0.1:{free_port()}"
    policy = {
        "safety_level": "youth",
        "offline": True,
        "comfyui": {"mode": "external", "url": comfyui_url},
        "model_folders": {"find_existing": False},
        "hide_settings": True,
    }
    # The user's own choices say otherwise; the policy wins.
    with start_with_policy(tmp_path, policy, {"safety_level": "adult", "offline": False}) as app:
        with app.client("en") as client:
            settings = client.get("/api/settings").json()
            assert settings["policy"] == {
                "locked": ["safety_level", "offline", "comfyui", "model_folders"],
                "hide_settings": True,
            }
            assert settings["safety_level"] == "youth"
            assert settings["offline"] is True
            assert settings["comfyui"]["url"] == comfyui_url

            # Unlocked settings still change, and the answer carries the policy too.
            pin_set = client.put("/api/settings/teacher-pin", json={"new_pin": PIN})
            assert pin_set.status_code == 200 and pin_set.json()["policy"]["hide_settings"] is True
            patched = client.patch("/api/settings", json={"language": "en"})
            assert patched.status_code == 200
            assert patched.json()["policy"]["locked"][0] == "safety_level"

            # The right PIN does not open a locked setting.
            refused = client.put("/api/settings/safety-level", json={"level": "adult", "pin": PIN})
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "setting_locked_by_policy"
            assert "safety level" in refused.json()["error"]["message"]
            offline = client.put("/api/settings/offline", json={"offline": False, "pin": PIN})
            assert offline.status_code == 403
            assert offline.json()["error"]["code"] == "setting_locked_by_policy"
            folders = client.put("/api/models/folders/find-existing", json={"find_existing": True})
            assert folders.status_code == 403
            assert folders.json()["error"]["code"] == "setting_locked_by_policy"

            # Offline forced on: a cloud output stays unavailable even with its key set.
            set_key(client, "openai", TEST_KEY, pin=PIN)
            entry = output_entry(client, OPENAI_OUTPUT)
            assert entry["available"] is False
            assert [reason["code"] for reason in entry["reasons"]] == ["cloud.output_offline"]

            # The ComfyUI supervisor runs what the policy says.
            comfyui = client.get("/api/comfyui/status").json()
            assert comfyui["mode"] == "external"

            # The workshop records a run at the policy's level.
            started = client.post(
                "/api/interception",
                json={"config_id": "as_is", "idea": "A red fox in the snow", "rules": "", "language": "en"},
            )
            assert started.status_code == 202, started.text
            read_events(client, started.json()["job_id"])
            run = client.get(f"/api/runs/{started.json()['run_id']}").json()
            assert run["safety_level"] == "youth"

        with app.client("de") as client:
            refused = client.put("/api/settings/safety-level", json={"level": "kids", "pin": PIN})
            assert refused.status_code == 403
            assert "Sicherheitsstufe" in refused.json()["error"]["message"]

    stored = json.loads((tmp_path / "data" / "config" / "settings.json").read_text(encoding="utf-8"))
    assert stored["safety_level"] == "adult"  # the user's own value is kept for a PC without the policy


@pytest.mark.in_process
def test_without_a_policy_nothing_is_locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI4ARTSED_POLICY_FILE", str(tmp_path / "none.json"))
    with in_process_app(tmp_path / "data") as app, app.client() as client:
        assert client.get("/api/settings").json()["policy"] == {"locked": [], "hide_settings": False}


def test_a_broken_policy_file_still_starts_the_app_and_fails_safe(tmp_path: Path) -> None:
    settings = {"safety_level": "adult", "offline": False}
    broken_json = '{"safety_level": "adult", "offline": fals'
    with start_with_policy(tmp_path, broken_json, settings) as app, app.client("en") as client:
        current = client.get("/api/settings").json()
        assert current["policy"]["locked"] == ["safety_level", "offline"]
        assert current["safety_level"] == "kids"
        assert current["offline"] is True
        notices = client.get("/api/system/info").json()["notices"]
    broken = [notice for notice in notices if notice["code"] == "policy_broken"]
    assert len(broken) == 1
    assert "policy.json" in broken[0]["message"] and "(file)" in broken[0]["message"]
    assert "policy.json" in (tmp_path / "data" / "data" / "logs" / "app.log").read_text(encoding="utf-8")


@pytest.mark.in_process
def test_a_misspelt_field_is_named_in_the_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = {"ofline": False, "safety_level": "adult"}
    policy_file = write_policy_and_settings(tmp_path, policy, {})
    monkeypatch.setenv("AI4ARTSED_POLICY_FILE", str(policy_file))
    with in_process_app(tmp_path / "data") as app, app.client("de") as client:
        current = client.get("/api/settings").json()
        notices = client.get("/api/system/info").json()["notices"]
    assert current["safety_level"] == "adult"  # readable, so it applies as written
    assert current["offline"] is True
    assert set(current["policy"]["locked"]) == {"safety_level", "offline"}
    broken = [notice for notice in notices if notice["code"] == "policy_broken"]
    assert len(broken) == 1 and "ofline" in broken[0]["message"]
