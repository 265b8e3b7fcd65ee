"""Verify: read present model files again and compare their sha256 with the manifest's.

A verify run always reads the file (it does not trust the cache: the point is to find files that
changed on disk, e.g. a failing disk or a file overwritten by another tool). The result goes into
the cache, so the models page and the catalog show it at once.
"""

from __future__ import annotations

from collections.abc import Callable

from server.errors import AppError, ErrorKind
from server.jobs.manager import JobContext
from server.model_files.file_work import JobFileWork, Phase
from server.model_files.hashing import HashCache, sha256_file
from server.model_files.manifest import ModelManifest
from server.model_files.presence import FileState, ModelPresence
from server.model_files.wording import name_text


class ModelVerifier:
    def __init__(
        self,
        manifest: ModelManifest,
        presence: ModelPresence,
        cache: HashCache,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._manifest = manifest
        self._presence = presence
        self._cache = cache
        self._on_change = on_change

    def check(self, model_ids: list[str] | None) -> None:
        models = self._manifest.resolve(model_ids) if model_ids else self._manifest.models
        if not any(self._presence.find(model).path is not None for model in models):
            raise AppError("model_verify_nothing_present", ErrorKind.INVALID_INPUT)

    def run(self, model_ids: list[str] | None, context: JobContext) -> dict[str, object]:
        models = self._manifest.resolve(model_ids) if model_ids else self._manifest.models
        present = [(model, self._presence.find(model)) for model in models]
        present = [(model, found) for model, found in present if found.path is not None]
        work = JobFileWork(context, files=len(present))
        results: dict[str, str] = {}
        for model, found in present:
            assert found.path is not None
            work.begin_file(model.id, model.filename)
            if found.state is FileState.WRONG_SIZE:
                work.notice("model_verify_wrong_size", "warning", name=name_text(model.name))
                results[model.id] = "wrong_size"
                continue
            digest = sha256_file(found.path, work, Phase.VERIFY)
            self._cache.store(found.path, digest)
            if model.sha256 is None:
                work.notice("model_verify_no_checksum", name=name_text(model.name))
                results[model.id] = "no_checksum"
            elif digest == model.sha256:
                work.notice("model_verify_ok", name=name_text(model.name))
                results[model.id] = "verified"
            else:
                work.notice("model_verify_damaged", "warning", name=name_text(model.name))
                results[model.id] = "damaged"
        self._on_change()
        return {"results": results}
