"""Installing ComfyUI is teacher-only once a PIN is set; a lab policy can forbid it or fix where it goes.

The app's services run in the test process (tests/support/in_process.py): these are answers of its
API; test_install_pipeline.py installs through the real process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from server.comfyui_install.plan import RELEASE_FILE_VARIABLE
from server.settings.policy import POLICY_FILE_ENV
from tests.comfyui_install.conftest import LocalSources
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.job_events import final_state, read_events

pytestmark = pytest.mark.timeout(300)
PIN = "4711"


@contextmanager
def _app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, release: Path, policy: Path | None = None
) -> Iterator[InProcessApp]:
    monkeypatch.setenv(RELEASE_FILE_VARIABLE, str(release))
    if policy is not None:
        monkeypatch.setenv(POLICY_FILE_ENV, str(policy))
    with in_process_app(tmp_path / "app") as app:
        yield app


def _code(answer: httpx.Response) -> str:
    return str(answer.json()["error"]["code"])


def test_install_bundle_rollback_and_removal_need_the_teacher_pin(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = local_sources.release(tmp_path / "release.json")
    with _app(tmp_path, monkeypatch, release) as app, app.client() as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
        wheels = {"wheel_folder": f"{local_sources.url}/wheels/"}
        stick = tmp_path / "stick"
        stick.mkdir()
        calls: list[tuple[str, str, dict[str, object]]] = [
            ("POST", "/api/comfyui/install", {"choices": wheels}),
            ("POST", "/api/comfyui/install/bundle", {"folder": str(stick), "choices": wheels}),
            ("POST", "/api/comfyui/install/rollback", {}),
            ("DELETE", "/api/comfyui/install", {}),
        ]
        for method, path, body in calls:
            for wrong in ({}, {"pin": "0000"}):
                refused = client.request(method, path, json={**body, **wrong})
                assert refused.status_code in (401, 403), (path, wrong, refused.text)
        # The body-less calls of an older client are refused too, not let through.
        assert client.post("/api/comfyui/install/rollback").status_code in (401, 403)
        assert client.delete("/api/comfyui/install").status_code in (401, 403)
        assert not (app.data_dir / "data" / "comfyui" / "installs").exists()
        assert not list(stick.iterdir())

        # With the PIN every call passes the guard (and then does its job or says why not).
        assert _code(client.post("/api/comfyui/install/rollback", json={"pin": PIN})) == (
            "comfyui_install_nothing_to_roll_back"
        )
        assert client.request("DELETE", "/api/comfyui/install", json={"pin": PIN}).status_code == 200
        started = client.post("/api/comfyui/install", json={"choices": wheels, "pin": PIN})
        assert started.status_code == 202, started.text
        assert final_state(read_events(client, started.json()["job_id"])) == "succeeded"


def _policy(tmp_path: Path, content: dict[str, object]) -> Path:
    policy_file = tmp_path / "etc" / "policy.json"
    policy_file.parent.mkdir(parents=True)
    policy_file.write_text(json.dumps(content), encoding="utf-8")
    return policy_file


def test_a_lab_policy_can_forbid_installing_whatever_pin(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy_file = _policy(tmp_path, {"comfyui_install": {"allowed": False}})
    release = local_sources.release(tmp_path / "release.json")
    with _app(tmp_path, monkeypatch, release, policy_file) as app, app.client() as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
        assert client.get("/api/comfyui/install").json()["allowed"] is False
        for method, path in (("POST", "/api/comfyui/install"), ("POST", "/api/comfyui/install/rollback")):
            refused = client.request(method, path, json={"pin": PIN})
            assert refused.status_code == 403 and _code(refused) == "comfyui_install_forbidden_by_policy"
            assert "IT" in refused.json()["error"]["message"]
        assert not (app.data_dir / "data" / "comfyui" / "installs").exists()


def test_a_lab_policy_fixes_where_installs_go(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab_drive = tmp_path / "lab-drive" / "comfyui"
    policy_file = _policy(tmp_path, {"comfyui_install": {"root": str(lab_drive)}})
    release = local_sources.release(tmp_path / "release.json")
    with _app(tmp_path, monkeypatch, release, policy_file) as app, app.client() as client:
        assert client.get("/api/comfyui/install").json()["install_root"] == str(lab_drive / "installs")
        started = client.post(
            "/api/comfyui/install", json={"choices": {"wheel_folder": f"{local_sources.url}/wheels/"}}
        )
        assert final_state(read_events(client, started.json()["job_id"])) == "succeeded"
        assert (lab_drive / "installs" / "0.3.64-1" / "installed.json").is_file()
        assert client.get("/api/settings").json()["comfyui"]["directory"].startswith(str(lab_drive))
        assert not (app.data_dir / "data" / "comfyui" / "installs").exists()


def test_a_policy_with_an_unreadable_install_rule_forbids_installing(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy_file = _policy(tmp_path, {"comfyui_install": {"allowed": "maybe"}})
    release = local_sources.release(tmp_path / "release.json")
    with _app(tmp_path, monkeypatch, release, policy_file) as app, app.client() as client:
        assert client.get("/api/comfyui/install").json()["allowed"] is False
        assert _code(client.post("/api/comfyui/install", json={})) == "comfyui_install_forbidden_by_policy"
