"""Exports runs as one zip for a class portfolio: per run its media, its transparency view as an HTML
page and its JSON record; an index.html on top that links them all.

An export is a job (it may hold hundreds of media files): progress arrives as events, the zip is
written to a temp file and renamed when complete, so a download never gets half a file. Records
never hold a secret (keys live only in secrets.json), so the JSON goes out as it is.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import zipfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from server.disk_full import disk_full_error, is_disk_full
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language, Translator
from server.jobs.manager import Job, JobContext, JobManager
from server.runs.export_page import CatalogNames, ExportPages
from server.runs.models import RunRecord, utc_now
from server.runs.run_index import RunFilter
from server.runs.store import RUN_ID, RunStore

log = logging.getLogger(__name__)

EXPORT_LANE = "export"
EXPORT_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_SELECTED_RUNS = 10_000
# Finished export files older than this are removed when the app starts.
KEEP_EXPORTS_S = 24 * 3600.0


class ExportRequest(BaseModel):
    """Either the chosen runs, or every run the filter selects (e.g. a date range)."""

    model_config = ConfigDict(extra="forbid")

    run_ids: list[str] | None = Field(default=None, max_length=MAX_SELECTED_RUNS)
    filter: RunFilter | None = None


class RunExporter:
    def __init__(
        self,
        store: RunStore,
        jobs: JobManager,
        translator: Translator,
        names: CatalogNames,
        exports_dir: Path,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._translator = translator
        self._names = names
        self._dir = exports_dir
        exports_dir.mkdir(parents=True, exist_ok=True)

    def start(self, request: ExportRequest, language: Language) -> Job:
        if request.run_ids is not None:
            run_ids = list(dict.fromkeys(request.run_ids))
            self._refuse_unknown(run_ids)
        else:
            run_ids = self._store.index.ids(request.filter or RunFilter())
        if not run_ids:
            raise AppError("export_nothing_selected", ErrorKind.INVALID_INPUT)

        def work(ctx: JobContext) -> dict[str, object]:
            return self._write(ctx, run_ids, language)

        return self._jobs.submit("export", EXPORT_LANE, work)

    def _refuse_unknown(self, run_ids: list[str]) -> None:
        """Every id is checked before the job starts: a typo or a deleted run is an answer, not an
        export that "succeeds" without it (or empty)."""
        indexed = set(self._store.index.ids(RunFilter()))
        unknown = [run_id for run_id in run_ids if run_id not in indexed and not self._exists(run_id)]
        if unknown:
            raise AppError(
                "export_runs_unknown",
                ErrorKind.NOT_FOUND,
                count=len(unknown),
                total=len(run_ids),
                run_id=unknown[0][:40],
            )

    def _exists(self, run_id: str) -> bool:
        # A run made moments ago may not be in the index yet (its record is written behind).
        if not RUN_ID.match(run_id):
            return False
        try:
            self._store.load(run_id)
        except AppError:
            return False
        return True

    def path(self, export_id: str) -> Path:
        """The finished zip of an export (its job's id)."""
        if not EXPORT_ID.match(export_id):
            raise AppError("export_not_found", ErrorKind.NOT_FOUND)
        path = self._dir / f"{export_id}.zip"
        if not path.is_file():
            raise AppError("export_not_found", ErrorKind.NOT_FOUND)
        return path

    def remove_old_exports(self) -> None:
        cutoff = time.time() - KEEP_EXPORTS_S
        for path in self._dir.glob("*.zip*"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff or path.name.endswith(".part"):
                    path.unlink()

    # ------------------------------------------------------------------ the job

    def _write(self, ctx: JobContext, run_ids: list[str], language: Language) -> dict[str, object]:
        pages = ExportPages(self._translator, self._names, language)
        final = self._dir / f"{ctx.job_id}.zip"
        partial = final.with_name(final.name + ".part")
        exported: list[RunRecord] = []
        total = len(run_ids)
        try:
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for done, run_id in enumerate(run_ids):
                    ctx.check_cancelled()
                    try:
                        record = self._store.load(run_id)
                    except AppError as error:
                        # Deleted or unreadable since it was chosen: the rest still goes out.
                        log.warning("export: run %s left out (%s)", run_id, error.code)
                        continue
                    self._add_run(archive, record, pages)
                    exported.append(record)
                    ctx.emit(
                        "progress",
                        {"value": done + 1, "max": total, "node": None, "fraction": (done + 1) / total},
                    )
                exported.sort(key=lambda item: item.created_at, reverse=True)
                archive.writestr("index.html", pages.index_page(exported, utc_now()))
            partial.replace(final)
        except OSError as error:
            log.exception("export %s could not be written", ctx.job_id)
            if is_disk_full(error):
                raise disk_full_error(self._dir) from error
            raise AppError("export_failed", ErrorKind.FAILED, detail=error.strerror or str(error)) from error
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        return {
            "export_id": ctx.job_id,
            "download_url": f"/api/runs/exports/{ctx.job_id}",
            "runs": len(exported),
            "size": final.stat().st_size,
        }

    def _add_run(self, archive: zipfile.ZipFile, record: RunRecord, pages: ExportPages) -> None:
        folder = f"runs/{record.id}"
        archive.writestr(f"{folder}/run.json", record.model_dump_json(indent=2) + "\n")
        archive.writestr(f"{folder}/index.html", pages.run_page(record))
        for generation in record.generations:
            for item in generation.media:
                source = self._store.media_path(record.id, item.name)
                if source.is_file():
                    # Media are compressed already; storing them saves time and gains nothing less.
                    archive.write(source, f"{folder}/{item.name}", compress_type=zipfile.ZIP_STORED)
                else:
                    log.warning("export: media file %s of run %s is missing", item.name, record.id)
