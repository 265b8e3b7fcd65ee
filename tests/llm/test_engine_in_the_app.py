"""The built-in engine as the real app runs it (real llama.cpp, SmolLM2): open only to the app, its
key nowhere but in the engine's environment, and gone when the app is killed.

The tests share one app whose engine has already answered a text step: starting the engine and its
first answer are most of a test's time. A test that kills the app takes it; the next gets a new one.
"""

from __future__ import annotations

import importlib.util
import signal
import sys
import time
from collections.abc import Iterator

import psutil
import pytest

from server.llm.engine_server import KEY_VARIABLE
from tests.support import loopback_http
from tests.support.app_process import AppProcess, start_app
from tests.support.job_events import final_state, of_type, read_events

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (make test installs it with the llm extra)",
)


def run_interception(app: AppProcess) -> None:
    """One text step on the built-in engine (the default settings), which starts the engine."""
    with app.client("en") as client:
        assert client.get("/api/settings").json()["llm"]["interception"]["provider_id"] == "builtin"
        response = client.post(
            "/api/interception",
            json={"config_id": "haiku", "idea": "A kite over the sea", "rules": "", "language": "en"},
        )
        assert response.status_code == 202, response.text
        events = read_events(client, response.json()["job_id"])
    assert final_state(events) == "succeeded", events[-3:]
    assert of_type(events, "token"), "the engine streamed no tokens"


class EngineApps:
    """Hands out a running app whose engine has answered the app's own pipeline (started on demand)."""

    def __init__(self, folders: pytest.TempPathFactory) -> None:
        self._folders = folders
        self._app: AppProcess | None = None

    def running(self) -> AppProcess:
        if self._app is not None and self._app.process.poll() is not None:
            self._app.stop()
            self._app = None
        if self._app is None:
            self._app = start_app(self._folders.mktemp("engine-app") / "app")
            run_interception(self._app)  # the app's own pipeline works through the guarded engine
        return self._app

    def stop(self) -> None:
        if self._app is not None:
            self._app.stop()
            self._app = None


@pytest.fixture(scope="module")
def engine_apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineApps]:
    apps = EngineApps(tmp_path_factory)
    try:
        yield apps
    finally:
        apps.stop()


def engine_process(app: AppProcess) -> psutil.Process:
    deadline = time.monotonic() + 30
    while True:
        for child in psutil.Process(app.process.pid).children(recursive=True):
            try:
                if "--model_alias" in child.cmdline():
                    return child
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
        assert time.monotonic() < deadline, "the app runs no engine child"
        time.sleep(0.1)


def engine_port(engine: psutil.Process) -> int:
    cmdline = engine.cmdline()
    return int(cmdline[cmdline.index("--port") + 1])


def test_the_engine_answers_only_the_app(engine_apps: EngineApps) -> None:
    app = engine_apps.running()
    engine = engine_process(app)
    port = engine_port(engine)
    base = f"http://127.0.0.1:{port}"
    with loopback_http.client(base_url=base, timeout=30, trust_env=False) as http:
        chat = {"model": "builtin", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}
        strangers = [
            http.get("/v1/models"),
            http.post("/v1/chat/completions", json=chat),
            http.get("/docs"),
            http.get("/openapi.json"),
            http.get("/v1/models", headers={"Authorization": "Bearer wrong-key-wrong-key-wrong"}),
            # A page in the browser: first the preflight, then the request itself.
            http.options(
                "/v1/chat/completions",
                headers={
                    "Origin": "http://evil.example",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type",
                },
            ),
            http.post("/v1/chat/completions", json=chat, headers={"Origin": "http://evil.example"}),
        ]
        for answer in strangers:
            assert answer.status_code in (401, 403), (answer.request.method, answer.request.url)
            assert "access-control-allow-origin" not in answer.headers

        # With the key (only the app has it; a test may read the engine's environment, as its
        # owner could), a foreign Host is still refused: DNS rebinding.
        key = engine.environ()[KEY_VARIABLE]
        auth = {"Authorization": f"Bearer {key}"}
        rebound = http.get("/v1/models", headers={**auth, "Host": f"evil.example:{port}"})
        assert rebound.status_code == 403
        ours = http.get("/v1/models", headers={**auth, "Origin": "http://evil.example"})
        assert ours.status_code == 200
        assert not [name for name in ours.headers if name.lower().startswith("access-control-")]
        assert http.get("/v1/models", headers={**auth, "Host": f"localhost:{port}"}).status_code == 200
        preflight = http.options(
            "/v1/chat/completions",
            headers={**auth, "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight.headers

    # The key is in no command line (ps), no file of the app (logs, process record) and not
    # in what the app printed.
    assert not [part for part in engine.cmdline() if key in part]
    leaks = [path for path in app.data_dir.rglob("*") if path.is_file() and key.encode() in path.read_bytes()]
    assert leaks == [], f"the engine key is in {leaks}"
    assert key not in app.output()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux only")
def test_the_engine_dies_with_a_killed_app(engine_apps: EngineApps) -> None:
    app = engine_apps.running()
    engine: psutil.Process | None = None
    try:
        engine = engine_process(app)
        app.process.send_signal(signal.SIGKILL)
        app.process.wait(10)
        deadline = time.monotonic() + 20
        while engine.is_running() and engine.status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the engine outlived the killed app"
            time.sleep(0.05)
    finally:
        app.stop()
        if engine is not None and engine.is_running():
            engine.kill()
