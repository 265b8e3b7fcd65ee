from __future__ import annotations

import hashlib
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


def test_media_is_written_with_its_sha256(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = new_run(store)
    media = store.add_media(run.id, "image_1.png", b"\x89PNG data", "image", "image/png")
    assert media.sha256 == hashlib.sha256(b"\x89PNG data").hexdigest()
    assert store.media_path(run.id, "image_1.png").read_bytes() == b"\x89PNG data"


def test_runs_in_progress_at_start_become_incomplete(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    running = new_run(store)
    done = new_run(store)
    store.update(done.id, lambda r: setattr(r, "status", RunStatus.COMPLETE))
    assert RunStore(tmp_path).mark_interrupted_runs() == 1
    assert store.load(running.id).status is RunStatus.INCOMPLETE
    assert store.load(done.id).status is RunStatus.COMPLETE


def test_a_damaged_record_is_reported_not_crashing(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = new_run(store)
    (tmp_path / run.id / "run.json").write_text(json.dumps({"id": run.id}), encoding="utf-8")
    with pytest.raises(AppError) as raised:
        store.load(run.id)
    assert raised.value.code == "run_unreadable"
