"""The text steps through the app (in-process: the steps, not the process, are under test) and a
protocol-faithful OpenAI-compatible test server (a real child process)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.catalog.loader import CatalogLoader
from server.resources import Resources
from tests.llm_testserver.process import TestServerProcess
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.job_events import final_state, of_type, read_events

# Every test here runs the app in-process: what the steps send, record and stream, not the process.
pytestmark = pytest.mark.in_process

CATALOG = CatalogLoader(Resources.locate().app_root).load()
IDEA = "Ein Straßenfest im Regen mit Laternen"
StartApp = Callable[..., InProcessApp]


def chat_requests(server: TestServerProcess) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["path"].endswith("/chat/completions")]


def start_interception(
    app: InProcessApp,
    config_id: str = "dada",
    idea: str = IDEA,
    rules: str | None = None,
    language: str = "de",
) -> tuple[str, str]:
    if rules is None:
        rules = CATALOG.interceptions[config_id].context.get(language)
    with app.client(language) as client:
        response = client.post(
            "/api/interception",
            json={"config_id": config_id, "idea": idea, "rules": rules, "language": language},
        )
    assert response.status_code == 202, response.text
    body = response.json()
    return body["job_id"], body["run_id"]


def test_interception_streams_tokens_and_records_the_three_part_prompt(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm()
    job_id, run_id = start_interception(app)
    with app.client() as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "succeeded"
    stages = [e["stage"] for e in of_type(events, "stage")]
    assert stages == ["safety_input", "interception", "safety_interception_output"]
    tokens = [str(e["text"]) for e in of_type(events, "token")]
    assert len(tokens) > 3, "the text must arrive in pieces"
    assert "".join(tokens) == f"echo: {IDEA}"
    assert of_type(events, "text")[-1]["text"] == f"echo: {IDEA}"

    assert run["status"] == "complete"
    call = run["interception"]["llm_calls"][0]
    dada = CATALOG.interceptions["dada"]
    assert call["task"] == CATALOG.llm_chunks["interception"].task.de
    assert call["context"] == dada.context.de
    assert call["input"] == IDEA
    assert run["interception"]["output"] == f"echo: {IDEA}"

    sent = chat_requests(llm_server)[-1]["body"]
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert sent["messages"][1]["content"] == IDEA
    assert dada.context.de in sent["messages"][0]["content"]
    assert sent["stream"] is True
    assert sent["temperature"] == dada.parameters.temperature
    assert sent["max_tokens"] == dada.parameters.max_tokens


def test_rules_left_out_mean_the_attitudes_rules_and_empty_rules_mean_none(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm()
    dada = CATALOG.interceptions["dada"]
    with app.client("en") as client:
        omitted = client.post(
            "/api/interception", json={"config_id": "dada", "idea": IDEA, "language": "en"}
        ).json()
        assert final_state(read_events(client, omitted["job_id"])) == "succeeded"
        omitted_sent = chat_requests(llm_server)[-1]["body"]["messages"][0]["content"]
        empty = client.post(
            "/api/interception", json={"config_id": "dada", "idea": IDEA, "rules": "", "language": "en"}
        ).json()
        assert final_state(read_events(client, empty["job_id"])) == "succeeded"
        empty_sent = chat_requests(llm_server)[-1]["body"]["messages"][0]["content"]
        omitted_run = client.get(f"/api/runs/{omitted['run_id']}").json()["interception"]
        empty_run = client.get(f"/api/runs/{empty['run_id']}").json()["interception"]

    # Left out: the attitude's own rules in the request's language, as the web UI would send them.
    assert omitted_run["rules"] == dada.context.en
    assert omitted_run["rules_edited"] is False
    assert omitted_run["llm_calls"][0]["context"] == dada.context.en
    assert dada.context.en in omitted_sent
    # An empty string is a choice: no rules (as "Your call" starts).
    assert empty_run["rules"] == ""
    assert empty_run["llm_calls"][0]["context"] == ""
    assert dada.context.en not in empty_sent and dada.context.de not in empty_sent


def test_optimization_context_is_only_the_models_instruction(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm()
    job_id, run_id = start_interception(app)
    edited = "Ein Fest im Regen, von mir geändert"
    with app.client() as client:
        assert final_state(read_events(client, job_id)) == "succeeded"
        response = client.post(
            "/api/optimization", json={"run_id": run_id, "text": edited, "output_id": "sd35_large"}
        )
        assert response.status_code == 202
        events = read_events(client, response.json()["job_id"])
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "succeeded"
    assert of_type(events, "text")[-1] == {
        "stage": "optimization",
        "text": f"echo: {edited}",
        "applied": True,
    }

    instruction = CATALOG.comfyui_chunks["output_sd35_large"].optimization_instruction
    assert instruction is not None
    sent = chat_requests(llm_server)[-1]["body"]
    system = sent["messages"][0]["content"]
    assert instruction in system
    # Isolation: the attitude's rules never reach the optimization, in either language.
    dada = CATALOG.interceptions["dada"]
    assert dada.context.de not in system and dada.context.en not in system
    assert sent["messages"][1]["content"] == edited

    optimization = run["optimizations"][-1]
    assert optimization["input"] == edited
    assert optimization["input_edited"] is True
    assert optimization["llm_call"]["context"] == instruction


def test_optimization_without_instruction_passes_the_text_through(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm()
    job_id, run_id = start_interception(app)
    with app.client() as client:
        read_events(client, job_id)
        before = len(chat_requests(llm_server))
        response = client.post(
            "/api/optimization", json={"run_id": run_id, "text": "unverändert", "output_id": "selftest_image"}
        )
        events = read_events(client, response.json()["job_id"])
    assert of_type(events, "text")[-1] == {"stage": "optimization", "text": "unverändert", "applied": False}
    assert len(chat_requests(llm_server)) == before, "no LLM call for a pass-through"


def test_telephone_passes_through_languages_and_comes_home(app_with_llm: StartApp) -> None:
    app = app_with_llm()
    job_id, run_id = start_interception(app, config_id="telephone")
    with app.client() as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "succeeded"
    telephone = CATALOG.interceptions["telephone"]
    assert telephone.recursion is not None
    languages = [str(e["language"]) for e in of_type(events, "round_start")]
    assert len(languages) == telephone.recursion.rounds
    assert languages[-1] == "de"
    assert all(a != b for a, b in itertools.pairwise(languages))
    assert "de" not in languages[:-1]
    rounds = run["interception"]["rounds"]
    assert [r["language"] for r in rounds] == languages
    # Each round passes on the previous round's text (the echo server makes that visible).
    assert rounds[0]["text"] == f"echo: {IDEA}"
    assert rounds[1]["text"] == f"echo: echo: {IDEA}"
    assert run["interception"]["output"] == rounds[-1]["text"]


def test_passthrough_attitude_makes_no_llm_call(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm()
    job_id, _ = start_interception(app, config_id="as_is")
    with app.client() as client:
        events = read_events(client, job_id)
    assert of_type(events, "text")[-1]["text"] == IDEA
    assert chat_requests(llm_server) == []


def test_term_list_block_is_explained_for_children_and_recorded(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm(level="kids")
    job_id, run_id = start_interception(app, idea="Ein Hakenkreuz auf einer Fahne")
    with app.client("de") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    blocked = of_type(events, "blocked")[0]
    assert blocked["stage"] == "input"
    assert blocked["category"] == "extremism_86a"
    assert isinstance(blocked["message"], str) and len(blocked["message"]) > 20
    assert "Hakenkreuz" not in str(blocked["message"])
    assert run["status"] == "blocked"
    assert run["safety"][0]["decision"] == "blocked"
    assert run["safety"][0]["term_hits"][0]["list_id"] == "extremism_86a"
    assert run["interception"]["output"] == ""
    assert chat_requests(llm_server) == [], "a term-list block needs no LLM"


def test_the_86a_list_applies_at_adult_level_too(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="adult")
    job_id, _ = start_interception(app, idea="Sieg Heil")
    with app.client("en") as client:
        events = read_events(client, job_id)
    assert final_state(events) == "blocked"


# A general LLM the app does not know is asked only when the teacher chose "always" (PIN-protected);
# without that, an unsure word is blocked (tests/pipeline/test_guard_models.py).
def test_unsure_words_are_checked_by_the_llm_and_an_unsafe_verdict_blocks(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm(level="kids", safety="verdict-unsafe-violence", safety_llm_check="always")
    job_id, run_id = start_interception(app, idea="Ein Ritter mit Blut am Schwert")
    with app.client("en") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    assert of_type(events, "blocked")[0]["category"] == "violence"
    verdict = run["safety"][0]
    assert verdict["llm_checked"] is True
    assert verdict["llm_call"]["model"] == "verdict-unsafe-violence"
    check_request = chat_requests(llm_server)[0]["body"]
    assert check_request["stream"] is False
    assert check_request["messages"][1]["content"] == "Ein Ritter mit Blut am Schwert"


def test_a_safe_verdict_lets_the_unsure_idea_through(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="youth", safety="verdict-safe", safety_llm_check="always")
    job_id, run_id = start_interception(
        app, idea="A history painting of the massacre at Glencoe, mourning figures in the snow"
    )
    with app.client("en") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "succeeded"
    assert run["safety"][0]["decision"] == "allowed"
    assert run["safety"][0]["llm_reason"] == "fits the age group"


@pytest.mark.parametrize(
    ("safety_model", "failure"),
    [("echo", "unclear"), ("garbage-body", "unavailable"), ("error-500", "unavailable")],
)
def test_kids_level_fails_closed_when_the_checker_fails(
    app_with_llm: StartApp, safety_model: str, failure: str
) -> None:
    app = app_with_llm(level="kids", safety=safety_model, safety_llm_check="always")
    job_id, run_id = start_interception(app, idea="Zombies tanzen im Park")
    with app.client("de") as client:
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "blocked"
    blocked = of_type(events, "blocked")[0]
    assert blocked["code"] == f"safety.check_{failure}.kids"
    assert run["safety"][0]["check_failure"] == failure


def test_youth_level_fails_closed_when_the_checker_is_unreachable(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="youth", safety_llm_check="always")
    # Point only the safety stage at a port where nothing listens.
    settings_patch = {
        "llm": {"safety": {"provider_id": "custom", "model": "x", "base_url": "http://127.0.0.1:9/v1"}}
    }
    with app.client("en") as client:
        assert client.patch("/api/settings", json=settings_patch).status_code == 200
    job_id, _ = start_interception(app, idea="A painting about a massacre", language="en")
    with app.client("en") as client:
        events = read_events(client, job_id)
    assert final_state(events) == "blocked"
    assert of_type(events, "blocked")[0]["code"] == "safety.check_unavailable.youth"


def test_adult_level_does_not_ask_the_llm_about_unsure_words(
    app_with_llm: StartApp, llm_server: TestServerProcess
) -> None:
    app = app_with_llm(level="adult", safety="error-500")
    job_id, _ = start_interception(app, idea="Zombies tanzen im Park")
    with app.client() as client:
        assert final_state(read_events(client, job_id)) == "succeeded"
    assert all(r["body"]["model"] != "error-500" for r in chat_requests(llm_server))


@pytest.mark.parametrize(
    ("model", "code"),
    [
        ("error-401", "llm.auth_failed"),
        ("error-402", "llm.no_credit"),
        ("error-404", "llm.model_not_found"),
        ("error-429", "llm.rate_limited_retry_after"),
        ("error-500", "llm.server_error"),
        ("garbage-body", "llm.garbage_answer"),
        ("broken-stream", "llm.broken_stream"),
        ("content-refused", "llm.content_refused"),
    ],
)
def test_every_provider_failure_becomes_a_plain_message(
    app_with_llm: StartApp, model: str, code: str
) -> None:
    app = app_with_llm(interception=model)
    job_id, run_id = start_interception(app)
    for language in ("de", "en"):
        with app.client(language) as client:
            events = read_events(client, job_id)
            error = of_type(events, "error")[0]
            assert error["code"] == code
            message = str(error["message"])
            assert message and not message.startswith("llm."), message
            assert "Traceback" not in message
    with app.client() as client:
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "failed"
    assert run["status"] == "failed"
    assert run["error"]["code"] == code
    assert run["interception"]["llm_calls"][0]["error"]["code"] == code


def test_cancel_stops_a_streaming_interception(app_with_llm: StartApp, llm_server: TestServerProcess) -> None:
    # held-stream, never released: the answer stops after 10 pieces, so the cancel comes mid-answer.
    app = app_with_llm(interception="held-stream")
    job_id, run_id = start_interception(app)
    with app.client() as client:
        first = read_events(client, job_id, limit=8)
        assert any(e.type == "token" for e in first)
        assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 202
        events = read_events(client, job_id)
        run = client.get(f"/api/runs/{run_id}").json()
    assert final_state(events) == "cancelled"
    assert run["status"] == "cancelled"
    assert len(of_type(events, "token")) < 40


def test_a_reconnecting_reader_gets_only_what_it_missed(app_with_llm: StartApp) -> None:
    app = app_with_llm()
    job_id, _ = start_interception(app)
    with app.client() as client:
        everything = read_events(client, job_id)
        rest = read_events(client, job_id, after=5)
    assert [e.seq for e in rest] == [e.seq for e in everything if e.seq is not None and e.seq > 5]


def test_offline_mode_refuses_a_cloud_provider_for_a_stage(app_with_llm: StartApp) -> None:
    app = app_with_llm(offline=True)
    with app.client() as client:
        client.patch(
            "/api/settings", json={"llm": {"interception": {"provider_id": "openai", "model": "gpt-4o"}}}
        )
    job_id, _ = start_interception(app)
    with app.client("en") as client:
        error = of_type(read_events(client, job_id), "error")[0]
    assert error["code"] == "llm_cloud_while_offline"
    assert "offline" in str(error["message"])


def test_bad_requests_are_refused_with_the_field(app_with_llm: StartApp) -> None:
    app = app_with_llm()
    with app.client("en") as client:
        empty = client.post("/api/interception", json={"config_id": "dada", "idea": "  ", "language": "de"})
        unknown = client.post("/api/interception", json={"config_id": "nope", "idea": "x", "language": "de"})
        missing_run = client.post(
            "/api/optimization",
            json={"run_id": "20260101-000000-abcdef", "text": "x", "output_id": "sd35_large"},
        )
    assert empty.status_code == 400 and "idea" in empty.json()["error"]["message"]
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "attitude_not_found"
    assert missing_run.status_code == 404 and missing_run.json()["error"]["code"] == "run_not_found"


def test_providers_and_their_models_for_the_settings_page(app_with_llm: StartApp) -> None:
    app = app_with_llm(offline=True)
    with app.client("en") as client:
        providers = {p["id"]: p for p in client.get("/api/llm/providers").json()["providers"]}
        assert {
            "builtin",
            "ollama",
            "lmstudio",
            "llamacpp",
            "openrouter",
            "openai",
            "mistral",
            "custom",
        } <= set(providers)
        assert providers["openai"]["needs_key"] is True and providers["openai"]["key_set"] is False
        assert providers["ollama"]["base_url"] == "http://127.0.0.1:11434/v1"
        base_url = client.get("/api/settings").json()["llm"]["interception"]["base_url"]
        listed = client.get("/api/llm/providers/custom/models", params={"base_url": base_url})
        assert listed.status_code == 200 and listed.json()["models"]
        offline = client.get("/api/llm/providers/openai/models")
        assert offline.status_code == 503 and offline.json()["error"]["code"] == "llm_cloud_while_offline"


def test_the_bundled_test_model_is_announced_as_test_grade(tmp_path: Path) -> None:
    with in_process_app(tmp_path / "defaults") as app, app.client("en") as client:
        notices = {n["code"]: n for n in client.get("/api/system/info").json()["notices"]}
        stages = client.get("/api/llm/providers").json()["test_grade_stages"]
    assert "test model" in notices["llm_test_grade_model"]["message"]
    assert stages == ["safety", "interception", "optimization", "translation"]
