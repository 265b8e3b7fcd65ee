"""The whole text loop offline, on the real built-in engine (llama.cpp) with the real SmolLM2 model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.support.app_process import start_app
from tests.support.job_events import final_state, of_type, read_events

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (make test installs it with the llm extra)",
)


def test_idea_to_optimized_prompt_on_the_builtin_engine(tmp_path: Path) -> None:
    # The default settings: every stage on the built-in engine, kids level, offline.
    with start_app(tmp_path / "data") as app, app.client("en") as client:
        settings = client.get("/api/settings").json()
        assert settings["offline"] is True
        assert settings["llm"]["interception"]["provider_id"] == "builtin"

        response = client.post(
            "/api/interception",
            json={
                "config_id": "haiku",
                "idea": "A street party in the rain",
                "rules": "Three short lines.",
                "language": "en",
            },
        )
        assert response.status_code == 202
        run_id = response.json()["run_id"]
        events = read_events(client, response.json()["job_id"])
        assert final_state(events) == "succeeded", events[-3:]
        tokens = [str(e["text"]) for e in of_type(events, "token")]
        assert len(tokens) >= 3, "real tokens arrive one by one over SSE"
        interception = str(of_type(events, "text")[-1]["text"])
        assert interception and interception == "".join(tokens).strip()

        response = client.post(
            "/api/optimization", json={"run_id": run_id, "text": interception, "output_id": "flux1_schnell"}
        )
        events = read_events(client, response.json()["job_id"])
        assert final_state(events) == "succeeded", events[-3:]
        assert len(of_type(events, "token")) >= 3
        run = client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "complete"
    assert run["interception"]["llm_calls"][0]["provider"] == "builtin"
    assert run["optimizations"][0]["applied"] is True
    assert run["optimizations"][0]["output"]
