"""Runs and jobs of classroom mode belong to a student: the teacher filters by class and student, a
student sees only their own runs that the teacher did not hide, and a student's request goes through
the class's rules (refused while no class is open)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from server.classroom.owner import RunOwner
from server.errors import AppError
from server.pipeline.requests import GenerationRequest, InterceptionRequest, OptimizationRequest
from server.pipeline.run_safety_level import safety_level_of
from server.runs.gallery import GalleryQuery
from server.settings.safety_level import SafetyLevel
from tests.support.in_process import InProcessApp
from tests.support.run_folders import RunSpec, day, write_run

ANNA = RunOwner(class_id="c1", student_id="s-anna", nickname="Anna")
BEN = RunOwner(class_id="c1", student_id="s-ben", nickname="Ben")
ANNA_LAST_YEAR = RunOwner(class_id="c0", student_id="s-anna", nickname="Anna")


@pytest.fixture
def runs(api: InProcessApp) -> dict[str, str]:
    store = api.services.runs
    return {
        "teacher": write_run(store, RunSpec("Lehrer-Demo", day(0))).id,
        "anna": write_run(store, RunSpec("Annas Katze", day(1), owner=ANNA)).id,
        "anna_hidden": write_run(store, RunSpec("Annas zweite Idee", day(2), owner=ANNA)).id,
        "ben": write_run(store, RunSpec("Bens Hund", day(3), owner=BEN)).id,
        "anna_old": write_run(store, RunSpec("Annas altes Bild", day(4), owner=ANNA_LAST_YEAR)).id,
    }


def _ids(answer: dict[str, object]) -> set[str]:
    listed = answer["runs"]
    assert isinstance(listed, list)
    return {run["id"] for run in listed}


def test_the_teacher_lists_every_run_and_filters_by_class_and_student(
    api: InProcessApp, runs: dict[str, str]
) -> None:
    with api.client() as client:
        everything = client.get("/api/runs").json()
        one_class = client.get("/api/runs", params={"class_id": "c1"}).json()
        one_student = client.get("/api/runs", params={"class_id": "c1", "student_id": "s-anna"}).json()
    assert _ids(everything) == set(runs.values())
    assert _ids(one_class) == {runs["anna"], runs["anna_hidden"], runs["ben"]}
    assert _ids(one_student) == {runs["anna"], runs["anna_hidden"]}
    # The gallery names the student on the card.
    card = next(run for run in one_student["runs"] if run["id"] == runs["anna"])
    assert card["owner"] == {"class_id": "c1", "student_id": "s-anna", "nickname": "Anna"}


def test_a_student_sees_only_their_own_runs_of_this_class_and_not_the_hidden_ones(
    api: InProcessApp, runs: dict[str, str]
) -> None:
    gallery = api.services.gallery
    assert {run.id for run in gallery.page(GalleryQuery(), ANNA).runs} == {runs["anna"], runs["anna_hidden"]}
    # A student's own filters cannot widen what they see.
    widened = GalleryQuery(class_id="c0", student_id="s-ben", self_test=True)
    assert {run.id for run in gallery.page(widened, ANNA).runs} == {runs["anna"], runs["anna_hidden"]}

    api.services.runs.set_hidden_from_class(runs["anna_hidden"], True)
    assert {run.id for run in gallery.page(GalleryQuery(), ANNA).runs} == {runs["anna"]}
    with pytest.raises(AppError) as hidden:
        gallery.detail(runs["anna_hidden"], "en", ANNA)
    assert hidden.value.code == "run_not_found"
    # The teacher still has it, marked as hidden.
    with api.client() as client:
        teacher_view = client.get(f"/api/runs/{runs['anna_hidden']}").json()
    assert teacher_view["hidden_from_class"] is True


@pytest.mark.parametrize("other", ["ben", "teacher", "anna_old"])
def test_another_run_answers_like_a_missing_one(api: InProcessApp, runs: dict[str, str], other: str) -> None:
    with pytest.raises(AppError) as refused:
        api.services.gallery.detail(runs[other], "en", ANNA)
    assert refused.value.code == "run_not_found"
    assert api.services.gallery.detail(runs["anna"], "en", ANNA).record.owner == ANNA


def test_with_no_class_open_every_student_step_is_refused(api: InProcessApp, runs: dict[str, str]) -> None:
    steps: list[Callable[[], object]] = [
        lambda: api.services.workshop.start_interception(
            InterceptionRequest(config_id="dada", idea="Eine Katze", language="de"), ANNA
        ),
        lambda: api.services.workshop.start_optimization(
            OptimizationRequest(run_id=runs["anna"], text="Katze", output_id="selftest_image"), ANNA
        ),
        lambda: api.services.generator.start(
            GenerationRequest(run_id=runs["anna"], text="Katze", output_id="selftest_image"), ANNA
        ),
    ]
    for step in steps:
        with pytest.raises(AppError) as refused:
            step()
        assert refused.value.code == "class_login_invalid"
        assert refused.value.kind.value == "unauthorized"


def test_a_students_run_keeps_its_class_level_and_the_teachers_follows_the_settings(
    api: InProcessApp, runs: dict[str, str]
) -> None:
    settings = api.services.settings
    assert settings.current.safety_level is not SafetyLevel.ADULT
    teacher_run = api.services.runs.load(runs["teacher"])
    student_run = api.services.runs.load(runs["anna"])
    with api.client() as client:
        changed = client.put("/api/settings/safety-level", json={"level": "adult"})
    assert changed.status_code == 200, changed.text
    assert safety_level_of(teacher_run, settings) is SafetyLevel.ADULT
    # write_run records the class's level "kids" in the student's run.
    assert safety_level_of(student_run, settings) is SafetyLevel.KIDS


def test_the_run_index_stores_the_owner(api: InProcessApp, runs: dict[str, str]) -> None:
    summary = api.services.runs.index.summary(runs["ben"])
    assert summary is not None and summary.owner == BEN
    assert api.services.runs.owner_of(runs["ben"]) == BEN
    assert api.services.runs.owner_of(runs["teacher"]) is None
    assert datetime.now(UTC) > summary.created_at


def test_a_refused_interception_leaves_no_empty_run(api: InProcessApp) -> None:
    # A refusal at the queue (a student's limit, the app shutting down) comes after the run exists.
    api.services.jobs.shutdown(timeout=5)
    with api.client() as client:
        refused = client.post(
            "/api/interception", json={"config_id": "dada", "idea": "Eine Katze", "language": "de"}
        )
        listed = client.get("/api/runs").json()
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "app_shutting_down"
    assert listed["total"] == 0
    assert [p for p in api.services.runs.root.iterdir() if p.is_dir()] == []
