from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

import pytest

from server.errors import AppError
from server.runs.models import GenerationRecord, RunRecord, RunStatus
from server.runs.store import RunStore


def new_run(store: RunStore) -> RunRecord:
    return store.create(
        RunRecord(id=store.new_id(), language="de", safety_level="kids", idea="Ein Fest im Regen")
    )


def test_create_load_and_update(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = new_run(store)
    assert store.load(run.id).idea == "Ein Fest im Regen"
    store.update(run.id, lambda r: setattr(r, "status", RunStatus.COMPLETE))
    assert store.load(run.id).status is RunStatus.COMPLETE
    assert store.flush()
    assert not list(tmp_path.glob(f"{run.id}/*.tmp"))


def test_concurrent_updates_do_not_lose_writes(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = new_run(store)

    def add(index: int) -> None:
        store.update(
            run.id,
            lambda r: r.generations.append(
                GenerationRecord(id=str(index), output_id="x", text="t", backend="comfyui")
            ),
        )

    threads = [threading.Thread(target=add, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(int(g.id) for g in store.load(run.id).generations) == list(range(20))


@pytest.mark.parametrize("bad_id", ["../etc", "20260101-000000-zzzzzz", "", "x/../../y"])
def test_ids_that_could_leave_the_runs_folder_are_refused(tmp_path: Path, bad_id: str) -> None:
    with pytest.raises(AppError):
        RunStore(tmp_path).load(bad_id)


@pytest.mark.parametrize("bad_name", ["../run.json", "run.json", ".hidden", "a/b.png", "x" * 200])
def test_media_names_are_checked(tmp_path: Path, bad_name: str) -> None:
    store = RunStore(tmp_path)
    run = new_run(store)
    with pytest.raises(AppError):
        store.media_path(run.id, bad_name)


def test_runs_in_progress_at_start_become_incomplete(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    running = new_run(store)
    done = new_run(store)
    store.update(done.id, lambda r: setattr(r, "status", RunStatus.COMPLETE))
    store.close()
    restarted = RunStore(tmp_path)
    assert restarted.mark_interrupted_runs() == 1
    assert restarted.load(running.id).status is RunStatus.INCOMPLETE
    assert restarted.load(done.id).status is RunStatus.COMPLETE


def set_idea(record: RunRecord, idea: str) -> None:
    record.idea = idea


def test_updates_reach_the_disk_behind_the_step(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = new_run(store)
    for index in range(30):
        store.update(run.id, functools.partial(set_idea, idea=f"idea {index}"))
    # The newest state is visible at once, and on disk after the flush.
    assert store.load(run.id).idea == "idea 29"
    assert store.flush()
    on_disk = json.loads((tmp_path / run.id / "run.json").read_text(encoding="utf-8"))
    assert on_disk["idea"] == "idea 29"
    assert RunStore(tmp_path).load(run.id).idea == "idea 29"


def test_a_loaded_record_is_a_copy(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = new_run(store)
    copy = store.load(run.id)
    copy.idea = "changed only here"
    assert store.load(run.id).idea == "Ein Fest im Regen"


def test_a_damaged_record_is_reported_not_crashing(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = new_run(store)
    store.close()
    (tmp_path / run.id / "run.json").write_text(json.dumps({"id": run.id}), encoding="utf-8")
    with pytest.raises(AppError) as raised:
        RunStore(tmp_path).load(run.id)
    assert raised.value.code == "run_damaged"
