"""Placement and the hash cache in-process: cancel in the middle of a copy, a wrong checksum, the cache."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from server.i18n.translator import Translator
from server.jobs.manager import JobCancelledError
from server.model_files.file_headers import HeaderProblem
from server.model_files.file_work import NoFileWork, Phase
from server.model_files.hashing import CHUNK_BYTES, HashCache
from server.model_files.placement import ChecksumMismatchError, PlacementMethod, place_file, remove_leftovers
from tests.model_files.model_files import sha256_of, write_safetensors

SERVER = Path(__file__).resolve().parents[2] / "server"


class CancelAfterFirstChunk:
    """Cancels the way a job does: the byte loop asks after every chunk."""

    def __init__(self) -> None:
        self.phases: list[Phase] = []

    def progress(self, phase: Phase, done: int, total: int) -> None:
        self.phases.append(phase)

    def check_cancelled(self) -> None:
        if self.phases.count(Phase.COPY) > 1:
            raise JobCancelledError


def test_cancel_in_the_middle_of_a_copy_leaves_nothing(tmp_path: Path, shm_dir: Path) -> None:
    source = shm_dir / "model.safetensors"
    write_safetensors(source, os.urandom(3 * CHUNK_BYTES))
    target = tmp_path / "models" / "checkpoints" / "model.safetensors"
    work = CancelAfterFirstChunk()
    with pytest.raises(JobCancelledError):
        place_file(source, target, work, expected_sha256=None)
    assert work.phases[:2] == [Phase.COPY, Phase.COPY]
    assert list(target.parent.iterdir()) == []


def test_a_wrong_checksum_leaves_nothing_by_copy_or_by_link(tmp_path: Path, shm_dir: Path) -> None:
    for source in (shm_dir / "a.safetensors", tmp_path / "b.safetensors"):
        write_safetensors(source, b"data" * 100)
        target = tmp_path / "models" / source.name
        with pytest.raises(ChecksumMismatchError):
            place_file(source, target, NoFileWork(), expected_sha256="0" * 64)
        assert list(target.parent.iterdir()) == []


def test_hardlink_on_the_same_file_system_copy_across(tmp_path: Path, shm_dir: Path) -> None:
    local = tmp_path / "stick" / "a.safetensors"
    digest = write_safetensors(local, b"a" * 1000)
    linked = place_file(local, tmp_path / "models" / "a.safetensors", NoFileWork(), expected_sha256=digest)
    assert linked.method is PlacementMethod.HARDLINK and linked.sha256 == digest
    assert (tmp_path / "models" / "a.safetensors").stat().st_nlink == 2
    copied = place_file(local, shm_dir / "models" / "a.safetensors", NoFileWork(), expected_sha256=digest)
    assert copied.method is PlacementMethod.COPY and sha256_of(shm_dir / "models" / "a.safetensors") == digest


def test_leftovers_of_a_crash_are_removed_at_start(tmp_path: Path) -> None:
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / ".model.safetensors.1234abcd.partial").write_bytes(b"half")
    (tmp_path / "checkpoints" / "model.safetensors.part").write_bytes(b"download, kept to resume")
    assert remove_leftovers(tmp_path) == 1
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["model.safetensors.part"]


def test_the_hash_cache_is_used_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    first = write_safetensors(path, b"1" * 100)
    cache = HashCache(tmp_path / "hashes.json")
    assert cache.lookup(path) is None
    assert cache.sha256(path, NoFileWork()) == first
    assert HashCache(tmp_path / "hashes.json").lookup(path) == first  # kept on disk
    second = write_safetensors(path, b"2" * 100)
    os.utime(path, ns=(1, 1))  # same size, other time: hashed again
    assert cache.lookup(path) is None
    assert cache.sha256(path, NoFileWork()) == second
    (tmp_path / "hashes.json").write_text("{broken", encoding="utf-8")
    assert HashCache(tmp_path / "hashes.json").lookup(path) is None


def test_every_models_message_code_has_a_text() -> None:
    """Also the codes the generic scan cannot see: job notices and codes built from a value."""
    translator = Translator()
    codes: set[str] = set()
    for path in (SERVER / "models").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(re.findall(r'notice\(\s*"([a-z0-9_]+)"', text))
        codes.update(re.findall(r'"((?:model|output)_[a-z0-9_]+)"', text))
    codes.update(f"model_file_{problem.value}" for problem in HeaderProblem)
    codes.update(f"model_imported_{method.value}" for method in PlacementMethod)
    # Strings that are job kinds, event names or fields, not messages.
    codes -= {"model_import", "model_download", "model_verify", "model_bundle", "model_progress", "model_id"}
    assert sorted(code for code in codes if not translator.has(code)) == []
    assert translator.translate("model_file_pickle", "de", {"file": "x.ckpt"}).startswith("„x.ckpt“")
