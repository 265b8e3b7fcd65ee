"""The in-process layer (tests/support/in_process.py) is the app as desktop/main.py wires it: the launch
token and the Host check apply, state lands in the test's own data folder, a job's event stream reads
to its end, and the services stop with the fixture."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from tests.support import loopback_http
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.job_events import final_state, read_events


def test_the_launch_token_and_the_host_check_apply(api: InProcessApp) -> None:
    with api.client("en") as client:
        assert client.get("/api/catalog/interceptions").status_code == 200
        foreign = client.get("/api/health", headers={"Host": f"attacker.example:{api.port}"})
        assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "host_not_allowed"
    with loopback_http.client(
        transport=httpx.WSGITransport(app=api.flask_app), base_url=api.base_url
    ) as stranger:
        refused = stranger.get("/api/catalog/interceptions", headers={"Accept-Language": "en"})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"


def test_settings_land_in_the_tests_own_data_folder(api: InProcessApp) -> None:
    with api.client("en") as client:
        assert client.patch("/api/settings", json={"language": "en"}).status_code == 200
    assert '"language": "en"' in (api.data_dir / "config" / "settings.json").read_text(encoding="utf-8")


def test_a_job_streams_to_its_end_and_the_services_stop_afterwards(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    with in_process_app(tmp_path / "app") as api, api.client("en") as client:
        started = client.post(
            "/api/interception",
            json={"config_id": "as_is", "idea": "A red fox in the snow", "rules": "", "language": "en"},
        )
        assert started.status_code == 202, started.text
        assert final_state(read_events(client, started.json()["job_id"])) == "succeeded"
        assert set(threading.enumerate()) - before, "the services started no thread of their own"
    # Nothing the services started keeps running in the test process.
    deadline = time.monotonic() + 30
    while (left := [t.name for t in set(threading.enumerate()) - before]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == []
