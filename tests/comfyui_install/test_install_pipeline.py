""" "Install ComfyUI for me" end to end: plan, download, uv from a local wheel folder, start, picture.

The app runs as a real process; uv (the bundled binary) builds the environment from wheels served on
127.0.0.1; the "release archive" holds the ComfyUI test server behind a ComfyUI-like main.py.
Refusals that end before uv or ComfyUI would run (a bad archive, no consent offline, a damaged
bundle, a policy) run the same services in the test process.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from server.comfyui_install.plan import RELEASE_FILE_VARIABLE
from server.settings.policy import POLICY_FILE_ENV
from tests.comfyui_install.conftest import LocalSources
from tests.comfyui_install.local_sources import make_testserver_archive
from tests.support.app_process import AppProcess, start_app
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.job_events import Event, final_state, read_events

pytestmark = pytest.mark.timeout(600)
PHASES = ["download", "unpack", "python", "pytorch", "requirements", "first_start", "self_test"]


def _app(tmp_path: Path, release: Path) -> AppProcess:
    return start_app(tmp_path / "app", env={RELEASE_FILE_VARIABLE: str(release)})


@contextmanager
def _in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, release: Path) -> Iterator[InProcessApp]:
    monkeypatch.setenv(RELEASE_FILE_VARIABLE, str(release))
    with in_process_app(tmp_path / "app") as app:
        yield app


def _install(client: httpx.Client, sources: LocalSources, **choices: object) -> list[Event]:
    body = {"choices": {"wheel_folder": f"{sources.url}/wheels/", **choices}}
    answer = client.post("/api/comfyui/install", json=body)
    assert answer.status_code == 202, answer.text
    return read_events(client, answer.json()["job_id"])


def _uv_processes_of(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = process.info["cmdline"] or []
        if command and Path(command[0]).name.startswith("uv") and str(data_dir) in " ".join(command):
            found.append(process)
    return found


def _wait_ready(client: httpx.Client) -> dict[str, object]:
    deadline = time.monotonic() + 120
    status: dict[str, object] = {}
    while time.monotonic() < deadline:
        status = client.get("/api/comfyui/status").json()
        if status["state"] == "ready":
            return status
        time.sleep(0.2)
    raise AssertionError(f"ComfyUI did not become ready: {status}")


def test_install_for_me_plans_installs_starts_and_paints(tmp_path: Path, local_sources: LocalSources) -> None:
    release = local_sources.release(tmp_path / "release.json")
    with _app(tmp_path, release) as app, app.client() as client:
        plan = client.post("/api/comfyui/install/plan", json={"wheel_folder": f"{local_sources.url}/wheels/"})
        assert plan.status_code == 200, plan.text
        shown = plan.json()
        assert shown["version"] == "0.3.64"
        assert shown["archive_url"].startswith("http://127.0.0.1:")
        assert shown["needs_network"] is False  # loopback only: no consent needed even offline
        assert shown["install_root"].startswith(str(app.data_dir))
        assert shown["space_free_bytes"] > 0

        events = _install(client, local_sources)
        assert final_state(events) == "succeeded", events
        phases = [event.data["phase"] for event in events if event.type == "phase"]
        assert phases == PHASES
        assert any(event.type == "self_test_picture" for event in events)

        status = client.get("/api/comfyui/install").json()
        assert "current" in status, status
        assert status["current"] == "0.3.64-1" and status["in_use"] is True
        picture = client.get("/api/comfyui/install/self-test-picture")
        assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
        # The supervisor starts the managed install like any managed ComfyUI folder.
        settings = client.get("/api/settings").json()
        assert settings["comfyui"]["mode"] == "managed"
        assert "installs/0.3.64-1/ComfyUI" in Path(settings["comfyui"]["directory"]).as_posix()
        _wait_ready(client)
        # The user's ComfyUI state stays in the data folder, not in the versioned install.
        install = Path(settings["comfyui"]["directory"])
        assert not (install / "output").exists()
        assert (app.data_dir / "data" / "comfyui" / "self-test" / "output").is_dir()
        log = (app.data_dir / "data" / "logs" / "comfyui-install.log").read_text(encoding="utf-8")
        assert "--no-index --find-links" in log and "UV_NO_CONFIG" not in log

    # A newer app pins a newer ComfyUI: offered, installed side by side, switched after its
    # self-test; the one before stays for a rollback.
    newer = local_sources.release(tmp_path / "release-newer.json", version="0.3.65")
    with _app(tmp_path, newer) as app, app.client() as client:
        _wait_ready(client)  # the installed 0.3.64 starts as a managed ComfyUI
        status = client.get("/api/comfyui/install").json()
        assert status["update_available"] is True and status["release_version"] == "0.3.65"
        events = _install(client, local_sources)
        assert final_state(events) == "succeeded", events
        status = client.get("/api/comfyui/install").json()
        assert (status["current"], status["previous"]) == ("0.3.65-1", "0.3.64-1")
        assert status["update_available"] is False
        _wait_ready(client)
        rolled = client.post("/api/comfyui/install/rollback")
        assert rolled.status_code == 200, rolled.text
        assert rolled.json() == {"current": "0.3.64-1", "previous": "0.3.65-1"}
        settings = client.get("/api/settings").json()
        assert "installs/0.3.64-1/ComfyUI" in Path(settings["comfyui"]["directory"]).as_posix()
        _wait_ready(client)

        removed = client.delete("/api/comfyui/install")
        assert removed.status_code == 200, removed.text
        assert client.get("/api/settings").json()["comfyui"]["mode"] == "none"
        assert not (app.data_dir / "data" / "comfyui" / "installs").exists()


def test_corrupt_archive_is_refused_and_leaves_nothing(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = local_sources.release(
        tmp_path / "release.json",
        archive={
            "url": f"{local_sources.url}/{local_sources.archive_name}",
            "sha256": "0" * 64,
            "size_bytes": 1,
        },
    )
    with _in_process(tmp_path, monkeypatch, release) as app, app.client() as client:
        events = _install(client, local_sources)
        assert final_state(events) == "failed"
        errors = [event.data for event in events if event.type == "error"]
        assert errors[0]["code"] == "comfyui_install_checksum_mismatch"
        assert "checksum" in str(errors[0].get("message", "")).lower()
        installs = app.data_dir / "data" / "comfyui" / "installs"
        assert not installs.exists() or not any(installs.iterdir())
        assert client.get("/api/settings").json()["comfyui"]["mode"] == "none"


def test_archive_escaping_its_folder_is_refused(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = local_sources.folder / "evil.tar.gz"
    sha256 = make_testserver_archive(evil, extra_member=("ComfyUI-x/../../escaped.txt", b"gotcha"))
    release = local_sources.release(
        tmp_path / "release.json",
        archive={"url": f"{local_sources.url}/evil.tar.gz", "sha256": sha256, "size_bytes": 1},
    )
    with _in_process(tmp_path, monkeypatch, release) as app, app.client() as client:
        events = _install(client, local_sources)
        assert final_state(events) == "failed"
        assert [e.data["code"] for e in events if e.type == "error"] == ["comfyui_install_archive_unsafe"]
        assert not list(app.data_dir.rglob("escaped.txt"))
        installs = app.data_dir / "data" / "comfyui" / "installs"
        assert not installs.exists() or not list(installs.iterdir())


def test_broken_download_resumes_where_it_stopped(tmp_path: Path, local_sources: LocalSources) -> None:
    release = local_sources.release(tmp_path / "release.json")
    server = local_sources.server
    server.break_once.add(local_sources.archive_name)  # type: ignore[attr-defined]
    server.ranges.clear()  # type: ignore[attr-defined]
    with _app(tmp_path, release) as app, app.client() as client:
        events = _install(client, local_sources)
        assert final_state(events) == "failed"
        assert [e.data["code"] for e in events if e.type == "error"] == ["comfyui_install_download_broken"]
        installs = app.data_dir / "data" / "comfyui" / "installs"
        assert not installs.exists() or not list(installs.iterdir())
        partial = list((app.data_dir / "data" / "comfyui" / "downloads").glob("*.part"))
        assert len(partial) == 1 and partial[0].stat().st_size > 0
        events = _install(client, local_sources)
        assert final_state(events) == "succeeded", events
        assert any(value and value.startswith("bytes=") and value != "bytes=0-" for value in server.ranges)  # type: ignore[attr-defined]


def test_cancel_mid_install_leaves_no_half_environment(tmp_path: Path, local_sources: LocalSources) -> None:
    release = local_sources.release(tmp_path / "release.json")
    server = local_sources.server
    server.slow_wheels_s = 3.0  # type: ignore[attr-defined]
    try:
        with _app(tmp_path, release) as app, app.client() as client:
            answer = client.post(
                "/api/comfyui/install", json={"choices": {"wheel_folder": f"{local_sources.url}/wheels/"}}
            )
            job_id = answer.json()["job_id"]
            # Until uv installs ComfyUI's requirements (the venv exists, uv waits for the slow wheels).
            deadline = time.monotonic() + 120
            seen: list[Event] = []
            while not any(e.type == "phase" and e.data["phase"] == "requirements" for e in seen):
                assert time.monotonic() < deadline, seen
                seen = read_events(client, job_id, limit=len(seen) + 1)
            installs = app.data_dir / "data" / "comfyui" / "installs"
            assert (installs / "0.3.64-1" / ".venv").is_dir()
            assert client.post(f"/api/jobs/{job_id}/cancel").status_code in (200, 202)
            events = read_events(client, job_id)
            assert final_state(events) == "cancelled"
            assert not installs.exists() or not list(installs.iterdir())
            assert client.get("/api/settings").json()["comfyui"]["mode"] == "none"
            assert client.get("/api/comfyui/install").json()["current"] is None
            # uv was stopped with the job: no child of the app is left running.
            assert not _uv_processes_of(app.data_dir)
    finally:
        server.slow_wheels_s = 0.0  # type: ignore[attr-defined]


def test_offline_mode_refuses_a_download_without_the_teachers_consent(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 127.0.0.2 is loopback too; an address on the internet stands in as "github.com" here.
    release = local_sources.release(
        tmp_path / "release.json",
        archive={"url": "https://github.invalid/ComfyUI/v0.3.64.tar.gz", "sha256": "1" * 64, "size_bytes": 1},
    )
    with _in_process(tmp_path, monkeypatch, release) as app, app.client() as client:
        assert client.get("/api/settings").json()["offline"] is True
        plan = client.post("/api/comfyui/install/plan", json={})
        assert plan.json()["needs_network"] is True
        refused = client.post("/api/comfyui/install", json={})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "comfyui_install_offline_consent_needed"
        assert client.get("/api/comfyui/install").json()["active_job_id"] is None


def _offline_release(tmp_path: Path, local_sources: LocalSources) -> Path:
    """A pin whose online sources do not exist: the install may only use what is on the stick."""
    return local_sources.release(
        tmp_path / "release.json",
        archive={"url": "https://github.invalid/ComfyUI.tar.gz", "sha256": None, "size_bytes": 1},
        wheel_folder=None,
        package_index="https://pypi.invalid/simple",
    )


def _install_without_network(
    tmp_path: Path, release: Path, choices: Mapping[str, object]
) -> dict[str, object]:
    """Runs offline_install_run.py in a new network namespace that has only loopback."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2)")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("user and network namespaces are not available here")
    script = Path(__file__).with_name("offline_install_run.py")
    arguments = [sys.executable, str(script), str(tmp_path / "app"), str(release), json.dumps(choices)]
    inner = "ip link set lo up && exec " + " ".join(shlex.quote(part) for part in arguments)
    done = subprocess.run(
        ["unshare", "-rn", "sh", "-c", inner], capture_output=True, text=True, timeout=400, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _assert_installed_offline(tmp_path: Path, result: dict[str, object]) -> None:
    plan = result["plan"]
    assert isinstance(plan, dict) and plan["offline"] is True and plan["needs_network"] is False
    events = result["events"]
    assert isinstance(events, list)
    states = [event["data"]["state"] for event in events if event["type"] == "state"]
    assert states[-1] == "succeeded", events
    status = result["status"]
    assert isinstance(status, dict) and status["current"] == "0.3.64-1"
    log = (tmp_path / "app" / "data" / "logs" / "comfyui-install.log").read_text(encoding="utf-8")
    assert "--offline" in log


def test_archive_and_wheels_from_a_stick_install_with_no_network_at_all(
    tmp_path: Path, local_sources: LocalSources
) -> None:
    stick = tmp_path / "stick"
    shutil.copytree(local_sources.folder / "wheels", stick / "wheels")
    shutil.copy(local_sources.folder / local_sources.archive_name, stick / "ComfyUI.tar.gz")
    choices = {
        "archive_file": str(stick / "ComfyUI.tar.gz"),
        "archive_sha256": local_sources.archive_sha256,
        "wheel_folder": str(stick / "wheels"),
    }
    _assert_installed_offline(
        tmp_path, _install_without_network(tmp_path, _offline_release(tmp_path, local_sources), choices)
    )


def test_a_lab_bundle_made_online_installs_elsewhere_with_no_network(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    maker = tmp_path / "maker"
    maker.mkdir()
    release = local_sources.release(maker / "release.json")
    with _in_process(maker, monkeypatch, release) as app, app.client() as client:
        answer = client.post("/api/comfyui/install/bundle", json={"folder": str(stick)})
        assert answer.status_code == 202, answer.text
        events = read_events(client, answer.json()["job_id"])
        assert final_state(events) == "succeeded", events
    manifest = json.loads(
        (stick / "ai4artsed-comfyui" / "ai4artsed-comfyui-bundle.json").read_text(encoding="utf-8")
    )
    assert manifest["version"] == "0.3.64" and manifest["archive"]["sha256"] == local_sources.archive_sha256
    assert {"aiohttp", "pyyaml"} <= {wheel["file"].split("-")[0].lower() for wheel in manifest["wheels"]}
    assert all(len(wheel["sha256"]) == 64 for wheel in manifest["wheels"])

    result = _install_without_network(
        tmp_path, _offline_release(tmp_path, local_sources), {"bundle_folder": str(stick)}
    )
    _assert_installed_offline(tmp_path, result)


def test_a_lab_bundle_with_a_damaged_wheel_is_refused(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    stick = tmp_path / "stick"
    root = stick / "ai4artsed-comfyui"
    shutil.copytree(local_sources.folder / "wheels", root / "wheels")
    shutil.copy(local_sources.folder / local_sources.archive_name, root / "ComfyUI.archive")
    wheels = sorted((root / "wheels").iterdir())
    manifest = {
        "version": "0.3.64",
        "torch_build": "cpu",
        "platform": sys.platform,
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "archive": {"file": "ComfyUI.archive", "sha256": local_sources.archive_sha256},
        "wheels": [
            {
                "file": path.name,
                "sha256": "0" * 64 if index == 0 else hashlib.sha256(path.read_bytes()).hexdigest(),
            }
            for index, path in enumerate(wheels)
        ],
    }
    (root / "ai4artsed-comfyui-bundle.json").write_text(json.dumps(manifest), encoding="utf-8")
    with (
        _in_process(tmp_path, monkeypatch, _offline_release(tmp_path, local_sources)) as app,
        app.client() as client,
    ):
        refused = client.post("/api/comfyui/install", json={"choices": {"bundle_folder": str(stick)}})
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "comfyui_bundle_damaged"
        assert not (app.data_dir / "data" / "comfyui" / "installs").exists()


def test_a_lab_policy_that_fixes_comfyui_forbids_installing_one(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy_file = tmp_path / "etc" / "policy.json"
    policy_file.parent.mkdir(parents=True)
    policy_file.write_text(json.dumps({"comfyui": {"mode": "none"}}), encoding="utf-8")
    release = local_sources.release(tmp_path / "release.json")
    monkeypatch.setenv(POLICY_FILE_ENV, str(policy_file))
    with _in_process(tmp_path, monkeypatch, release) as app, app.client() as client:
        assert client.get("/api/comfyui/install").json()["allowed"] is False
        refused = client.post("/api/comfyui/install", json={})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "setting_locked_by_policy"
        assert not (app.data_dir / "data" / "comfyui" / "installs").exists()
