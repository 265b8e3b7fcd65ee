"""Import from a folder or USB stick: find the model files, check them, place them, verify them.

1. Find: a bundle manifest names its files and their checksums; any other folder is scanned
   (sub-folders too, a bounded number of levels and entries, no followed folder links).
2. Check each file: pickle formats are refused (with why), ``.safetensors``/``.gguf`` need a valid
   header; a file matches a model by its name, or, where the name differs, by its sha256.
3. Plan: files already in place are skipped; the free space for every copy is checked before the
   first byte is written.
4. Place each (hardlink or copy, temporary name, verified, renamed; see placement.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from server.catalog.models import ModelFile
from server.errors import AppError, ErrorKind
from server.jobs.manager import JobContext
from server.model_files.bundles import BundleManifest, find_bundle
from server.model_files.file_headers import (
    MODEL_SUFFIXES,
    HeaderProblem,
    ModelFormat,
    header_problem,
    is_pickle_file,
    model_format,
)
from server.model_files.file_work import JobFileWork, Phase
from server.model_files.hashing import HashCache
from server.model_files.manifest import ModelManifest, size_matches
from server.model_files.model_locks import ModelLocks
from server.model_files.placement import (
    RESERVE_BYTES,
    ChecksumMismatchError,
    PlacementMethod,
    free_bytes,
    place_file,
    same_file_system,
)
from server.model_files.presence import FileState, ModelPresence
from server.model_files.wording import name_text, size_text

log = logging.getLogger(__name__)

MAX_DEPTH = 8
MAX_ENTRIES = 200_000
_SKIPPED_FOLDERS = frozenset({"System Volume Information", "$RECYCLE.BIN", "node_modules", "__pycache__"})


class ImportOutcome(StrEnum):
    IMPORTED = "imported"
    ALREADY_PRESENT = "already_present"
    REFUSED = "refused"
    SIZE_MISMATCH = "size_mismatch"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    UNKNOWN = "unknown"
    DUPLICATE = "duplicate"
    BUSY = "busy"


# Outcomes of a file that was found and not taken; an already present model is counted on its own.
SKIPPED_OUTCOMES = frozenset(
    {
        ImportOutcome.REFUSED,
        ImportOutcome.SIZE_MISMATCH,
        ImportOutcome.CHECKSUM_MISMATCH,
        ImportOutcome.UNKNOWN,
        ImportOutcome.DUPLICATE,
        ImportOutcome.BUSY,
    }
)


@dataclass
class _Candidate:
    source: Path
    display: str  # path relative to the chosen folder, as the teacher sees it there
    model: ModelFile
    expected_sha256: str | None
    known_sha256: str | None = None
    renamed: bool = False


@dataclass
class _Report:
    work: JobFileWork
    outcomes: list[dict[str, object]]
    # Each file not taken with its reason (code + params: the API adds the sentence in the reader's language).
    skipped: list[dict[str, object]]

    def add(
        self,
        display: str,
        model: ModelFile | None,
        outcome: ImportOutcome,
        code: str,
        level: str = "info",
        method: PlacementMethod | None = None,
        verified: bool | None = None,
        **params: object,
    ) -> None:
        self.outcomes.append(
            {
                "file": display,
                "model_id": model.id if model else None,
                "outcome": outcome.value,
                "code": code,
                "method": method.value if method else None,
                "verified": verified,
            }
        )
        if outcome in SKIPPED_OUTCOMES:
            self.skipped.append(
                {
                    "file": display,
                    "outcome": outcome.value,
                    "code": code,
                    "params": {"file": display, **params},
                }
            )
        self.work.notice(code, level, file=display, **params)

    def count(self, outcome: ImportOutcome) -> int:
        return sum(1 for item in self.outcomes if item["outcome"] == outcome.value)


class ModelImporter:
    def __init__(
        self,
        manifest: ModelManifest,
        presence: ModelPresence,
        cache: HashCache,
        managed_dir: Path,
        locks: ModelLocks,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._manifest = manifest
        self._presence = presence
        self._cache = cache
        self._managed_dir = managed_dir
        self._locks = locks
        self._on_change = on_change

    def check_source(self, folder: Path) -> None:
        """Refuses at once what can be refused before a job starts."""
        if not folder.is_absolute():
            raise AppError("model_import_folder_not_absolute", ErrorKind.INVALID_INPUT, folder=str(folder))
        if not folder.is_dir():
            raise AppError("model_import_folder_missing", ErrorKind.INVALID_INPUT, folder=str(folder))
        resolved = folder.resolve()
        managed = self._managed_dir.resolve()
        if resolved == managed or managed in resolved.parents or resolved in managed.parents:
            raise AppError("model_import_from_models_folder", ErrorKind.INVALID_INPUT, folder=str(folder))

    def run(self, folder: Path, context: JobContext) -> dict[str, object]:
        self.check_source(folder)
        report = _Report(JobFileWork(context), [], [])
        bundle = find_bundle(folder)
        if bundle is not None:
            candidates = self._from_bundle(*bundle, report)
        else:
            candidates = self._from_scan(folder, report)
        to_place = self._skip_present(candidates, report)
        self._check_space(to_place)
        report.work.set_files(len(to_place))
        for candidate in to_place:
            report.work.begin_file(candidate.model.id, candidate.display)
            self._place(candidate, report)
        if not report.outcomes:
            report.work.notice("model_import_nothing_found", "warning")
        self._on_change()
        return {
            "folder": str(folder),
            "bundle": bundle is not None,
            "imported": report.count(ImportOutcome.IMPORTED),
            "already_present": report.count(ImportOutcome.ALREADY_PRESENT),
            "outcomes": report.outcomes,
            "skipped": report.skipped,
        }

    # ------------------------------------------------------------------ finding files

    def _from_scan(self, folder: Path, report: _Report) -> list[_Candidate]:
        work = report.work
        seen = 0
        by_model: dict[str, _Candidate] = {}
        for path in _walk(folder):
            seen += 1
            if seen % 200 == 0:
                work.progress(Phase.SCAN, seen, 0)
                work.check_cancelled()
            display = path.relative_to(folder).as_posix()
            candidate = self._check_file(path, display, report)
            if candidate is None:
                continue
            if candidate.model.id in by_model:
                report.add(
                    display,
                    candidate.model,
                    ImportOutcome.DUPLICATE,
                    "model_import_duplicate",
                    name=name_text(candidate.model.name),
                )
                continue
            by_model[candidate.model.id] = candidate
        work.progress(Phase.SCAN, seen, seen)
        return list(by_model.values())

    def _check_file(self, path: Path, display: str, report: _Report) -> _Candidate | None:
        try:
            size = path.stat().st_size
        except OSError:
            return None
        if is_pickle_file(path):
            # Named whatever its size: a small .pt can be a real model (an embedding), and is never loaded.
            report.add(display, None, ImportOutcome.REFUSED, "model_file_pickle", "warning")
            return None
        if path.suffix.lower() not in MODEL_SUFFIXES:
            return None
        problem = header_problem(path)
        if problem is not None:
            report.add(
                display,
                None,
                ImportOutcome.REFUSED,
                f"model_file_{problem.value}",
                "warning",
                format=_format_name(path),
            )
            return None
        model = self._manifest.by_filename(path.name)
        if model is not None:
            if not size_matches(model, size):
                report.add(
                    display,
                    model,
                    ImportOutcome.SIZE_MISMATCH,
                    "model_import_size_mismatch",
                    "warning",
                    name=name_text(model.name),
                    actual=size_text(size),
                    expected=size_text(model.size),
                )
                return None
            return _Candidate(path, display, model, model.sha256)
        return self._match_by_checksum(path, display, size, report)

    def _match_by_checksum(self, path: Path, display: str, size: int, report: _Report) -> _Candidate | None:
        candidates = [
            model
            for model in self._manifest.hash_candidates(size)
            if model_format(path) == _model_format(model)
        ]
        if candidates:
            report.work.begin_file(None, display)
            digest = self._cache.sha256(path, report.work)
            for model in candidates:
                if model.sha256 == digest:
                    return _Candidate(path, display, model, model.sha256, known_sha256=digest, renamed=True)
        report.add(display, None, ImportOutcome.UNKNOWN, "model_import_unknown_file")
        return None

    def _from_bundle(self, root: Path, bundle: BundleManifest, report: _Report) -> list[_Candidate]:
        candidates: list[_Candidate] = []
        for entry in bundle.models:
            path = bundle.path_of(root, entry)
            display = path.relative_to(root.parent).as_posix()
            if not self._manifest.has(entry.id):
                report.add(display, None, ImportOutcome.UNKNOWN, "model_bundle_unknown_model")
                continue
            model = self._manifest.get(entry.id)
            if not path.is_file():
                report.add(display, model, ImportOutcome.REFUSED, "model_bundle_file_missing", "warning")
                continue
            if model.sha256 is not None and model.sha256 != entry.sha256:
                report.add(
                    display,
                    model,
                    ImportOutcome.REFUSED,
                    "model_bundle_other_version",
                    "warning",
                    name=name_text(model.name),
                )
                continue
            problem = header_problem(path)
            if problem is not None:
                report.add(
                    display,
                    model,
                    ImportOutcome.REFUSED,
                    f"model_file_{problem.value}",
                    "warning",
                    format=_format_name(path),
                )
                continue
            # The bundle's checksum was computed when the file was written to it.
            candidates.append(_Candidate(path, display, model, entry.sha256))
        return candidates

    # ------------------------------------------------------------------ planning and placing

    def _skip_present(self, candidates: list[_Candidate], report: _Report) -> list[_Candidate]:
        remaining = []
        for candidate in candidates:
            presence = self._presence.find(candidate.model)
            if presence.state is FileState.PRESENT:
                report.add(
                    candidate.display,
                    candidate.model,
                    ImportOutcome.ALREADY_PRESENT,
                    "model_import_already_present",
                    name=name_text(candidate.model.name),
                )
            else:
                remaining.append(candidate)
        return remaining

    def _check_space(self, candidates: list[_Candidate]) -> None:
        needed = sum(
            candidate.source.stat().st_size
            for candidate in candidates
            if not same_file_system(candidate.source, self._target(candidate.model).parent)
        )
        if needed == 0:
            return
        free = free_bytes(self._managed_dir)
        if needed > free - RESERVE_BYTES:
            raise AppError(
                "model_import_not_enough_space",
                ErrorKind.FAILED,
                needed=size_text(needed),
                free=size_text(max(0, free - RESERVE_BYTES)),
            )

    def _target(self, model: ModelFile) -> Path:
        return self._managed_dir / model.folder.value / model.filename

    def _place(self, candidate: _Candidate, report: _Report) -> None:
        model = candidate.model
        with self._locks.hold(model.id) as free:
            if not free:
                report.add(
                    candidate.display,
                    model,
                    ImportOutcome.BUSY,
                    "model_busy",
                    "warning",
                    name=name_text(model.name),
                )
                return
            target = self._target(model)
            try:
                placed = place_file(
                    candidate.source,
                    target,
                    report.work,
                    expected_sha256=candidate.expected_sha256,
                    known_sha256=candidate.known_sha256,
                )
            except ChecksumMismatchError:
                report.add(
                    candidate.display,
                    model,
                    ImportOutcome.CHECKSUM_MISMATCH,
                    "model_import_checksum_mismatch",
                    "warning",
                    name=name_text(model.name),
                )
                return
            self._cache.store(target, placed.sha256)
        verified = candidate.expected_sha256 is not None
        if candidate.renamed:
            code = "model_imported_renamed"
        elif not verified:
            code = "model_imported_unverified"
        else:
            code = f"model_imported_{placed.method.value}"
        report.add(
            candidate.display,
            model,
            ImportOutcome.IMPORTED,
            code,
            "warning" if not verified else "info",
            method=placed.method,
            verified=verified,
            name=name_text(model.name),
            target=model.filename,
        )
        log.info("model %s imported from %s by %s", model.id, candidate.source, placed.method.value)


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files below ``folder``, bounded in depth and number; folder links are not followed."""
    entries = 0
    stack: list[tuple[Path, int]] = [(folder, 0)]
    while stack:
        current, depth = stack.pop()
        try:
            with os.scandir(current) as iterator:
                items = sorted(iterator, key=lambda entry: entry.name)
        except OSError as error:
            log.info("cannot list %s: %s", current, error)
            continue
        subfolders = []
        for item in items:
            entries += 1
            if entries > MAX_ENTRIES:
                return
            if item.name.startswith("."):
                continue
            try:
                if item.is_dir(follow_symlinks=False):
                    if depth < MAX_DEPTH and item.name not in _SKIPPED_FOLDERS:
                        subfolders.append(Path(item.path))
                elif item.is_file():
                    yield Path(item.path)
            except OSError:
                continue
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))


def _format_name(path: Path) -> str:
    kind = model_format(path)
    return kind.value if kind else path.suffix.lstrip(".")


def _model_format(model: ModelFile) -> ModelFormat | None:
    return model_format(Path(model.filename))


def header_codes() -> list[str]:
    """Every message code a header problem can produce (the message file must have them all)."""
    return [f"model_file_{problem.value}" for problem in HeaderProblem]
