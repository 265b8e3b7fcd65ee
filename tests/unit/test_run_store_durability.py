"""The run store keeps every update until it is on disk, names a full disk, shows damaged runs and
keeps nothing in memory for ids that name no run.

Failed writes are real: a directory standing where run.json must go (EISDIR), or a full tmpfs
(ENOSPC, tests/support/full_disk.py)."""

from __future__ import annotations

import functools
import gc
import json
import time
import tracemalloc
from pathlib import Path

import pytest

from server.errors import AppError, ErrorKind
from server.notices import Notices
from server.runs.models import RunRecord, RunStatus
from server.runs.run_index import RunFilter
from server.runs.store import RunStore
from tests.support.full_disk import fill, small_tmpfs


def new_record(store: RunStore) -> RunRecord:
    return RunRecord(id=store.new_id(), language="de", safety_level="kids", idea="Ein Fest im Regen")


def set_idea(record: RunRecord, idea: str) -> None:
    record.idea = idea


def on_disk(folder: Path, run_id: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / run_id / "run.json").read_text(encoding="utf-8"))
    return data


def block_writes(folder: Path, run_id: str) -> Path:
    """A non-empty directory where run.json must go: every write of the record fails (EISDIR)."""
    record = folder / run_id / "run.json"
    saved = record.with_name("saved.json.keep")
    record.rename(saved)
    record.mkdir()
    (record / "x").write_text("x", encoding="utf-8")
    return saved


def unblock_writes(folder: Path, run_id: str) -> None:
    record = folder / run_id / "run.json"
    (record / "x").unlink()
    record.rmdir()


def wait_until(check: object, timeout: float = 30.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the state did not arrive in time"
        time.sleep(0.02)


def test_a_failed_write_is_retried_until_it_lands_and_is_surfaced(tmp_path: Path) -> None:
    notices = Notices()
    store = RunStore(tmp_path, notices=notices)
    run = store.create(new_record(store))
    block_writes(tmp_path, run.id)

    store.update(run.id, functools.partial(set_idea, idea="changed while the disk refused"))
    problem = store.wait_written(run.id)
    assert problem is not None and problem.code == "run_not_saved"
    assert [notice.code for notice in notices.all()] == ["run_records_write_failed_notice"]
    assert store.load(run.id).idea == "changed while the disk refused"

    unblock_writes(tmp_path, run.id)
    wait_until(lambda: (tmp_path / run.id / "run.json").is_file())
    assert store.flush()
    assert on_disk(tmp_path, run.id)["idea"] == "changed while the disk refused"
    assert store.wait_written(run.id) is None
    store.close()


def test_close_writes_what_a_failed_write_left_due(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = store.create(new_record(store))
    block_writes(tmp_path, run.id)
    store.update(run.id, lambda record: setattr(record, "status", RunStatus.FAILED))
    # Time for the writer's first attempt, which fails (a grace period, not a timing check).
    store.flush(1.0)
    unblock_writes(tmp_path, run.id)
    store.close()  # at once: the app is stopping
    assert on_disk(tmp_path, run.id)["status"] == "failed"


def test_a_full_disk_is_named_and_leaves_no_empty_run_folder(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    with small_tmpfs(runs, size_kb=512):
        store = RunStore(runs)
        first = store.create(new_record(store))
        filler = fill(runs)
        with pytest.raises(AppError) as raised:
            store.create(new_record(store))
        assert raised.value.code == "disk_full"
        assert raised.value.kind is ErrorKind.UNAVAILABLE
        assert raised.value.params == {"folder": str(runs)}
        assert sorted(path.name for path in runs.iterdir() if path.is_dir()) == [first.id]

        store.update(first.id, functools.partial(set_idea, idea="written once there is space"))
        problem = store.wait_written(first.id)
        assert problem is not None and problem.code == "disk_full"
        filler.unlink()
        wait_until(lambda: on_disk(runs, first.id)["idea"] == "written once there is space")
        store.close()


def test_an_empty_run_folder_is_removed_at_start(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    store.close()
    empty = tmp_path / "20260101-120000-abcdef"
    empty.mkdir()
    reopened = RunStore(tmp_path)
    reopened.sync_index()
    assert not empty.exists()
    reopened.close()


def test_a_damaged_run_is_listed_named_answered_and_deletable(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = store.create(new_record(store))
    (tmp_path / run.id / "g1-abcd_1.png").write_bytes(b"\x89PNG not really")
    store.close()
    (tmp_path / run.id / "run.json").write_text('{"id": "cut off', encoding="utf-8")

    notices = Notices()
    reopened = RunStore(tmp_path, notices=notices)
    reopened.sync_index()
    [listed] = reopened.index.page(RunFilter(), 0, 10).runs
    assert listed.id == run.id and listed.damaged
    assert listed.files == ("g1-abcd_1.png",)
    assert listed.created_at.strftime("%Y%m%d-%H%M%S") == run.id[:15]
    assert [(n.code, n.params["run_id"]) for n in notices.all()] == [("run_damaged_notice", run.id)]

    with pytest.raises(AppError) as raised:
        reopened.load(run.id)
    assert (raised.value.code, raised.value.kind) == ("run_damaged", ErrorKind.CONFLICT)
    assert len(notices.all()) == 1  # named once, however often it is read

    reopened.delete(run.id)
    assert not (tmp_path / run.id).exists()
    assert reopened.index.page(RunFilter(), 0, 10).total == 0
    reopened.close()


def test_ids_that_name_no_run_leave_nothing_in_memory(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = store.create(new_record(store))
    store.load(run.id)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for number in range(20_000):
            # Half well-formed ids of runs that do not exist, half malformed ones.
            run_id = f"20260101-000000-{number:06x}" if number % 2 else f"../not-a-run-{number}"
            with pytest.raises(AppError) as raised:
                store.load(run_id)
            assert raised.value.kind is ErrorKind.NOT_FOUND
        # Exceptions and their tracebacks form cycles; only what stays reachable counts.
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    # Counted in live blocks, not bytes: 20,000 remembered ids are tens of thousands of blocks,
    # while a table of the interpreter's that grows once is one block of any size.
    kept = sum(stat.count_diff for stat in after.compare_to(before, "filename"))
    assert kept < 1000, f"{kept} blocks more in memory after 20,000 unknown ids"
    assert store.cached_ids() == 1  # the one real run
    store.close()
