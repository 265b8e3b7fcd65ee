"""The teacher's per-run override of a "needs review" block (kids/youth, no capable checker): the
right PIN lets this run's review words through and the run records it; a wrong or missing PIN is
refused (and throttled like every PIN check); a block-list hit is never lifted; another run with the
same words stays blocked."""

from __future__ import annotations

import httpx

from server.settings.pin_throttle import FREE_TRIES
from tests.pipeline.test_text_pipeline import StartApp, start_interception
from tests.support.in_process import InProcessApp
from tests.support.job_events import final_state, read_events

PIN = "2468"
REVIEW_IDEA = "Zombies tanzen im Park"  # "Zombie" needs context: blocked without a capable checker


def _blocked_run(app: InProcessApp, idea: str) -> str:
    job_id, run_id = start_interception(app, idea=idea)
    with app.client("en") as client:
        assert final_state(read_events(client, job_id)) == "blocked"
    return run_id


def _override(client: httpx.Client, run_id: str, pin: str | None) -> httpx.Response:
    body = {} if pin is None else {"pin": pin}
    return client.post(f"/api/runs/{run_id}/teacher-override", json=body)


def test_the_right_pin_lets_this_run_through_and_the_run_records_it(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="kids", safety="verdict-safe")
    with app.client("en") as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
    run_id = _blocked_run(app, REVIEW_IDEA)
    other_run_id = _blocked_run(app, REVIEW_IDEA)
    with app.client("en") as client:
        started = _override(client, run_id, PIN)
        assert started.status_code == 202, started.text
        assert started.json()["run_id"] == run_id
        events = read_events(client, started.json()["job_id"])
        assert final_state(events) == "succeeded", events[-3:]
        run = client.get(f"/api/runs/{run_id}").json()
        other = client.get(f"/api/runs/{other_run_id}").json()
    assert run["status"] == "complete"
    assert run["interception"]["output"] == f"echo: {REVIEW_IDEA}"
    [override] = run["teacher_overrides"]
    assert override["who"] == "teacher PIN"
    assert override["stage"] == "input"
    assert override["terms"] and override["at"]
    # The first check blocked; the re-run's check passed with the teacher's words named.
    assert [v["decision"] for v in run["safety"][:2]] == ["blocked", "allowed"]
    assert run["safety"][1]["overridden_terms"] == override["terms"]
    # Another run with the same words is not opened by it, now or when started anew.
    assert other["status"] == "blocked" and other["teacher_overrides"] == []
    _blocked_run(app, REVIEW_IDEA)


def test_without_the_right_pin_the_override_is_refused_and_throttled(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="kids", safety="verdict-safe")
    run_id = _blocked_run(app, REVIEW_IDEA)
    with app.client("en") as client:
        # No PIN set yet: a student must not be able to let a block through.
        refused = _override(client, run_id, None)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "teacher_pin_needed"
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
        assert _override(client, run_id, None).status_code == 403
        for _ in range(FREE_TRIES):
            assert _override(client, run_id, "0000").status_code == 403
        throttled = _override(client, run_id, PIN)
        assert throttled.status_code == 429
        assert throttled.json()["error"]["code"] == "pin_throttled"
        run = client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "blocked"
    assert run["teacher_overrides"] == []


def test_a_block_list_hit_cannot_be_overridden(app_with_llm: StartApp) -> None:
    app = app_with_llm(level="kids", safety="verdict-safe")
    with app.client("en") as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
    run_id = _blocked_run(app, "Ein Hakenkreuz auf einer Fahne")
    with app.client("en") as client:
        refused = _override(client, run_id, PIN)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "override_not_possible"
        assert "extremism" in refused.json()["error"]["message"]
        run = client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "blocked"
    assert run["teacher_overrides"] == []
