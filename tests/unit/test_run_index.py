"""The gallery's SQLite index: kept in step by the store, rebuilt from the folders, filtered, paged."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from server.errors import AppError
from server.runs.models import RunStatus
from server.runs.run_index import NO_MEDIA, RunFilter
from server.runs.store import INDEX_FILE, RunStore
from tests.support.run_folders import RunSpec, day, write_run


def _ids(store: RunStore, where: RunFilter | None = None, offset: int = 0, limit: int = 100) -> list[str]:
    return [run.id for run in store.index.page(where or RunFilter(), offset, limit).runs]


def _sample(store: RunStore) -> dict[str, str]:
    """Five runs over five days: ids by a short name."""
    specs = {
        "dada_image": RunSpec("Ein Fest im Regen", day(0)),
        "bauhaus_image": RunSpec("Ein Stuhl", day(1), attitude="bauhaus"),
        "dada_audio": RunSpec("Ein Lied", day(2), medium="audio"),
        "telephone_none": RunSpec("Stille Post", day(3), attitude="telephone", medium=None),
        "dada_video": RunSpec("Ein Film", day(4), medium="video"),
    }
    return {name: write_run(store, spec).id for name, spec in specs.items()}


def test_the_store_keeps_the_index_in_step(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    runs = _sample(store)
    assert store.flush()
    # Newest first.
    assert _ids(store) == [runs[name] for name in reversed(list(runs))]
    first = store.index.page(RunFilter(), 0, 1).runs[0]
    assert first.id == runs["dada_video"]
    assert first.media_types == ("video",)
    assert first.cover is not None and first.cover.name == "g1.mp4"
    assert first.attitude == "dada"

    # An update reaches the index with the record.
    store.update(runs["dada_image"], lambda run: setattr(run, "status", RunStatus.FAILED))
    assert store.flush()
    assert store.index.with_status("failed") == [runs["dada_image"]]

    store.delete(runs["dada_image"])
    assert runs["dada_image"] not in _ids(store)
    assert not (tmp_path / runs["dada_image"]).exists()
    with pytest.raises(AppError) as missing:
        store.load(runs["dada_image"])
    assert missing.value.code == "run_not_found"
    store.close()


def test_a_running_run_is_not_deleted(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = write_run(store, RunSpec("Noch dabei", day(0), status=RunStatus.IN_PROGRESS))
    with pytest.raises(AppError) as refused:
        store.delete(run.id)
    assert refused.value.code == "run_in_use"
    assert (tmp_path / run.id / "run.json").is_file()
    store.close()


def test_filters_by_date_attitude_and_medium(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    runs = _sample(store)
    assert store.flush()
    # since inclusive, until exclusive.
    assert _ids(store, RunFilter(since=day(1), until=day(3))) == [runs["dada_audio"], runs["bauhaus_image"]]
    assert _ids(store, RunFilter(attitude="dada")) == [
        runs["dada_video"],
        runs["dada_audio"],
        runs["dada_image"],
    ]
    assert _ids(store, RunFilter(medium="image")) == [runs["bauhaus_image"], runs["dada_image"]]
    assert _ids(store, RunFilter(medium=NO_MEDIA)) == [runs["telephone_none"]]
    assert _ids(store, RunFilter(attitude="dada", medium="audio", since=day(2))) == [runs["dada_audio"]]
    assert _ids(store, RunFilter(attitude="nobody")) == []

    facets = store.index.facets()
    assert facets.attitudes == {"dada": 3, "bauhaus": 1, "telephone": 1}
    assert facets.media == {"image": 2, "audio": 1, "video": 1, NO_MEDIA: 1}
    assert facets.total == 5
    assert facets.oldest == day(0) and facets.newest == day(4)
    store.close()


def test_pages_cover_every_run_once_in_order(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    # Several runs in the same second: the id breaks the tie, so pages never overlap.
    created = [write_run(store, RunSpec(f"Idee {i}", day(i // 3))).id for i in range(23)]
    assert store.flush()
    expected = sorted(created, key=lambda run_id: (run_id[:15], run_id), reverse=True)
    pages = [store.index.page(RunFilter(), offset, 5) for offset in range(0, 25, 5)]
    assert [page.total for page in pages] == [23] * 5
    assert [len(page.runs) for page in pages] == [5, 5, 5, 5, 3]
    assert [run.id for page in pages for run in page.runs] == expected
    store.close()


def test_a_lost_index_is_rebuilt_from_the_folders(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    runs = _sample(store)
    store.close()
    (tmp_path / INDEX_FILE).unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"{INDEX_FILE}{suffix}").unlink(missing_ok=True)

    reopened = RunStore(tmp_path)
    assert _ids(reopened) == []
    reopened.sync_index()
    assert sorted(_ids(reopened)) == sorted(runs.values())
    reopened.close()


def test_a_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    runs = _sample(store)
    store.close()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"{INDEX_FILE}{suffix}").unlink(missing_ok=True)
    (tmp_path / INDEX_FILE).write_bytes(b"this is not a database" * 100)

    reopened = RunStore(tmp_path)
    reopened.sync_index()
    assert sorted(_ids(reopened)) == sorted(runs.values())
    reopened.close()


def test_stale_rows_follow_the_folders(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    runs = _sample(store)
    store.close()

    # While the app was closed: one folder removed, one record changed by hand, one broken, one new.
    gone = runs["dada_image"]
    for path in (tmp_path / gone).iterdir():
        path.unlink()
    (tmp_path / gone).rmdir()
    changed = tmp_path / runs["bauhaus_image"] / "run.json"
    record = json.loads(changed.read_text(encoding="utf-8"))
    record["interception"]["config_id"] = "renaissance"
    changed.write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / runs["dada_audio"] / "run.json").write_text("{ broken", encoding="utf-8")
    other = RunStore(tmp_path / "elsewhere")
    new = write_run(other, RunSpec("Neu dazu", day(9)))
    other.close()
    (tmp_path / "elsewhere" / new.id).rename(tmp_path / new.id)

    reopened = RunStore(tmp_path)
    reopened.sync_index()
    listed = _ids(reopened)
    assert gone not in listed
    # Unreadable: listed as damaged with what its folder shows, never left out without a word.
    damaged = next(
        run for run in reopened.index.page(RunFilter(), 0, 100).runs if run.id == runs["dada_audio"]
    )
    assert damaged.damaged and damaged.files and damaged.idea == ""
    assert reopened.index.damaged() == [runs["dada_audio"]]
    assert listed[0] == new.id
    assert _ids(reopened, RunFilter(attitude="renaissance")) == [runs["bauhaus_image"]]
    assert _ids(reopened, RunFilter(attitude="bauhaus")) == []

    # A second start reads nothing again.
    report = reopened.index.sync(reopened._record_files(), lambda _: None)
    assert (report.read, report.removed) == (0, 0)  # the damaged row stands until its file changes
    reopened.close()


def test_an_index_of_another_version_is_rebuilt(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    runs = _sample(store)
    store.close()
    db = sqlite3.connect(tmp_path / INDEX_FILE)
    db.execute("PRAGMA user_version = 999")
    db.commit()
    db.close()
    reopened = RunStore(tmp_path)
    reopened.sync_index()
    assert sorted(_ids(reopened)) == sorted(runs.values())
    reopened.close()


def test_interrupted_runs_are_found_through_the_index(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    running = write_run(store, RunSpec("Mitten drin", day(0), status=RunStatus.IN_PROGRESS))
    write_run(store, RunSpec("Fertig", day(1)))
    store.close()
    reopened = RunStore(tmp_path)
    reopened.sync_index()
    assert reopened.mark_interrupted_runs() == 1
    assert reopened.load(running.id).status is RunStatus.INCOMPLETE
    assert reopened.index.with_status("incomplete") == [running.id]
    reopened.close()


def test_self_test_pictures_are_left_out_when_asked(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    student = write_run(store, RunSpec("Ein Fest im Regen", day(0))).id
    self_test = write_run(store, RunSpec("a red circle", day(1), attitude="as_is", self_test=True)).id
    assert store.flush()
    assert _ids(store) == [self_test, student]
    assert _ids(store, RunFilter(self_test=False)) == [student]
    store.close()
    # Rebuilt from the folders (as after an upgrade from an index without the column): still marked.
    db = sqlite3.connect(tmp_path / INDEX_FILE)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    store = RunStore(tmp_path)
    store.sync_index()
    assert _ids(store, RunFilter(self_test=False)) == [student]
    store.close()
