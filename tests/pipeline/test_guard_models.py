"""Guard models as the safety stage's checker, through the real app and the LLM test server speaking
Llama Guard 3's and Qwen3Guard's native formats (no guard-model file can be downloaded here)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.llm_testserver.process import TestServerProcess
from tests.pipeline.test_text_pipeline import StartApp, chat_requests, start_interception
from tests.support.job_events import final_state, of_type, read_events


def guard_requests(server: TestServerProcess, prefix: str) -> list[dict[str, Any]]:
    return [r for r in chat_requests(server) if str(r["body"]["model"]).startswith(prefix)]


def test_a_guard_model_is_asked_for_every_text_in_its_own_format(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    # "when_unsure" is the setting; a capable checker is asked for every text all the same.
    app = app_with_llm(level="kids", safety="llama-guard-3-1b", safety_llm_check="when_unsure")
    idea = "Ein Straßenfest im Regen mit Laternen"
    job_id, run_id = start_interception(app, idea=idea)
    with app.client("en") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "succeeded", events[-3:]
    assert [v["stage"] for v in run["safety"]] == ["input", "interception_output"]
    assert all(v["llm_checked"] and v["checker"] == "llama_guard_3" for v in run["safety"])
    sent = guard_requests(llm_server, "llama-guard-3")
    assert len(sent) == 2
    # Only the text, as the user turn: the guard's chat template brings its own policy.
    assert sent[0]["body"]["messages"] == [{"role": "user", "content": idea}]
    assert sent[1]["body"]["messages"] == [{"role": "user", "content": f"echo: {idea}"}]
    assert "response_format" not in sent[0]["body"]


def test_a_guard_verdict_blocks_with_our_category(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="youth", safety="llama-guard-3-1b-unsafe-S12")
    job_id, run_id = start_interception(app, idea="Ein Straßenfest im Regen", language="en")
    with app.client("en") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    blocked = of_type(events, "blocked")[0]
    assert blocked["category"] == "sexual" and blocked["code"] == "safety.blocked.sexual.youth"
    assert run["safety"][0]["guard_categories"] == ["S12"]


@pytest.mark.parametrize(
    ("safety", "llm_text", "category"),
    [
        # The guard flags what the interception LLM wrote (the harmless idea passed).
        ("llama-guard-3-1b", "A knight S1! in the park", "violence"),
        # Without a capable checker the term lists still read the LLM's text.
        ("verdict-safe", "Sieg Heil im Park", "extremism_86a"),
    ],
)
def test_the_interception_result_is_checked_before_it_is_final(
    app_with_llm: StartApp, safety: str, llm_text: str, category: str
) -> None:
    app = app_with_llm(level="kids", safety=safety, interception=f"reply:{llm_text}")
    job_id, run_id = start_interception(app)
    with app.client("en") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    assert [v["decision"] for v in run["safety"]] == ["allowed", "blocked"]
    assert run["safety"][1]["stage"] == "interception_output"
    assert of_type(events, "blocked")[0]["category"] == category
    assert of_type(events, "text") == [], "a blocked text never becomes the final text"
    assert run["interception"]["output"] == ""


@pytest.mark.parametrize(
    ("model", "category"),
    [("qwen3guard-gen-0.6b-unsafe-Violent", "violence"), ("qwen3guard-gen-0.6b-controversial-PII", "other")],
)
def test_qwen3guard_unsafe_and_controversial_block_at_kids(
    app_with_llm: StartApp, model: str, category: str
) -> None:
    app = app_with_llm(level="kids", safety=model)
    job_id, run_id = start_interception(app)
    with app.client("en") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    assert of_type(events, "blocked")[0]["category"] == category
    assert run["safety"][0]["checker"] == "qwen3guard"


def test_a_guard_that_answers_no_verdict_stops_the_run(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="kids", safety="qwen3guard-garbage")
    job_id, run_id = start_interception(app)
    with app.client("en") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    assert of_type(events, "blocked")[0]["code"] == "safety.check_unclear.kids"
    assert run["safety"][0]["check_failure"] == "unclear"


def test_without_a_capable_checker_an_unsure_word_is_blocked_and_the_llm_not_asked(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm(level="kids", safety="verdict-safe")
    job_id, run_id = start_interception(app, idea="Zombies tanzen im Park")
    with app.client("de") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    blocked = of_type(events, "blocked")[0]
    assert blocked["code"] == "safety.needs_review.kids"
    assert "Zusammenhang" in str(blocked["message"])
    assert run["safety"][0]["llm_checked"] is False
    assert all(r["body"]["model"] != "verdict-safe" for r in chat_requests(llm_server))


def test_the_adult_level_does_not_ask_even_a_guard(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm(level="adult", safety="llama-guard-3-1b-unsafe-S1")
    job_id, _ = start_interception(app)
    with app.client() as client:
        assert final_state(read_events(client, job_id)) == "succeeded"
    assert guard_requests(llm_server, "llama-guard-3") == []
