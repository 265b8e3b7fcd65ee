"""The models service the API uses: overview, folders, and the long work as jobs.

Imports, verification and bundles run in the ``files`` job lane (one at a time: they share the
disk); downloads in the ``downloads`` lane. Every job reports ``model_progress`` and ``notice``
events; the service remembers its jobs so a page opened later finds the ones still running.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from server.catalog.availability import AvailabilityCheck, UnavailableReason
from server.catalog.models import LocalizedText, ModelFile, ModelLicence, OutputConfig
from server.catalog.registry import Catalog
from server.comfyui.model_paths import create_managed_model_folders
from server.comfyui.status import ComfyUIStatus
from server.errors import AppError, ErrorKind
from server.jobs.manager import Job, JobContext, JobManager
from server.model_files.availability_check import ModelFilesCheck
from server.model_files.bundles import BundleWriter
from server.model_files.comfyui_listing import ComfyUIListing
from server.model_files.downloader import ModelDownloader, RetryPolicy, part_path
from server.model_files.folders import LLM_KEY, FolderOrigin, ModelFolders, ModelLocation
from server.model_files.hashing import HashCache
from server.model_files.importer import ModelImporter
from server.model_files.manifest import ModelManifest
from server.model_files.model_locks import ModelLocks
from server.model_files.placement import free_bytes, remove_leftovers
from server.model_files.places import FolderListing, Place, Places
from server.model_files.presence import FilePresence, ModelPresence
from server.model_files.verifier import ModelVerifier
from server.network.http_clients import HttpClients
from server.settings.models import ComfyUIMode
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

FILES_LANE = "files"
DOWNLOADS_LANE = "downloads"
JOB_LANES = {FILES_LANE: 1, DOWNLOADS_LANE: 1}


class ModelFileView(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: LocalizedText
    folder: str
    filename: str
    size: int
    size_exact: bool
    sha256_known: bool
    downloadable: bool
    licence: ModelLicence
    notes: LocalizedText | None
    used_by: list[str]
    presence: FilePresence
    partial_download: int | None
    comfyui_listed: bool | None
    busy: bool


class OutputModelsView(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: LocalizedText
    media_type: str
    files: list[str]
    size: int
    reasons: list[UnavailableReason]


class ModelsOverview(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    models_dir: Path
    free_bytes: int
    offline: bool
    comfyui_mode: ComfyUIMode
    restart_needed: bool
    outputs: list[OutputModelsView]
    files: list[ModelFileView]
    folders: list[ModelLocation]
    jobs: list[str]


class ModelService:
    def __init__(
        self,
        catalog: Catalog,
        settings: SettingsStore,
        folders: ModelFolders,
        cache_file: Path,
        jobs: JobManager,
        network: HttpClients,
        comfyui_status: Callable[[], ComfyUIStatus],
        app_version: str,
        places: Places,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._catalog = catalog
        self._settings = settings
        self._jobs = jobs
        self._comfyui_status = comfyui_status
        self.folders = folders
        self.manifest = ModelManifest(catalog)
        self.cache = HashCache(cache_file)
        self.presence = ModelPresence(self.manifest, folders, self.cache)
        self._listing = ComfyUIListing(catalog, comfyui_status, network)
        self.locks = ModelLocks()
        self.check = ModelFilesCheck(self.manifest, self.presence, self._listing, comfyui_status)
        # What the overview says of each output: this computer's files, or the pool's (use_output_check).
        self._output_check: AvailabilityCheck = self.check
        self._places = places
        managed = folders.models_dir
        self._importer = ModelImporter(
            self.manifest, self.presence, self.cache, managed, self.locks, self._listing.clear
        )
        self._downloader = ModelDownloader(
            network,
            self.manifest,
            self.presence,
            self.cache,
            managed,
            self.locks,
            offline=lambda: self._settings.current.offline,
            on_change=self._listing.clear,
            policy=retry,
        )
        self._verifier = ModelVerifier(self.manifest, self.presence, self.cache, self._listing.clear)
        self._bundles = BundleWriter(self.manifest, self.presence, self.cache, managed, app_version)
        self._lock = threading.Lock()
        self._job_ids: list[str] = []
        # The folders exist from the start, so a teacher can also put files there by hand.
        create_managed_model_folders(managed)
        folders.managed_folder(LLM_KEY).mkdir(parents=True, exist_ok=True)
        removed = remove_leftovers(managed)
        if removed:
            log.info("removed %d temporary file(s) of interrupted imports", removed)

    # ------------------------------------------------------------------ overview

    def overview(self) -> ModelsOverview:
        presence = self.presence.all()
        busy = self.locks.busy()
        files = []
        for model in self.manifest.models:
            found = presence[model.id]
            files.append(
                ModelFileView(
                    id=model.id,
                    name=model.name,
                    folder=model.folder.value,
                    filename=model.filename,
                    size=model.size,
                    size_exact=model.size_exact,
                    sha256_known=model.sha256 is not None,
                    downloadable=model.url is not None,
                    licence=model.licence,
                    notes=model.notes,
                    used_by=self.manifest.used_by(model.id),
                    presence=found,
                    partial_download=self._partial_download(model),
                    comfyui_listed=self._listing.offered(model),
                    busy=model.id in busy,
                )
            )
        outputs = []
        for output_id, output in sorted(self.manifest.outputs().items(), key=lambda item: item[1].order):
            if not output.models:
                continue
            models = self.manifest.files_of(output)
            outputs.append(
                OutputModelsView(
                    id=output_id,
                    name=output.name,
                    media_type=output.media_type,
                    files=[model.id for model in models],
                    size=sum(model.size for model in models),
                    reasons=self._output_check(output),
                )
            )
        managed = self.folders.models_dir
        return ModelsOverview(
            models_dir=managed,
            free_bytes=free_bytes(managed),
            offline=self._settings.current.offline,
            comfyui_mode=self._comfyui_status().mode,
            restart_needed=self.folders.restart_needed(),
            outputs=outputs,
            files=files,
            folders=self.other_folders(),
            jobs=self.active_jobs(),
        )

    def use_output_check(self, check: AvailabilityCheck) -> None:
        """With several ComfyUI machines, an output is ready when one of them has its files."""
        self._output_check = check

    def _partial_download(self, model: ModelFile) -> int | None:
        part = part_path(self.folders.managed_folder(model.folder.value) / model.filename)
        try:
            return part.stat().st_size if part.is_file() else None
        except OSError:
            return None

    def active_jobs(self) -> list[str]:
        with self._lock:
            ids = list(self._job_ids)
        active = []
        for job_id in ids:
            try:
                job = self._jobs.get(job_id)
            except AppError:
                continue
            if not job.state.is_final:
                active.append(job_id)
        with self._lock:
            self._job_ids = [job_id for job_id in self._job_ids if job_id in active]
        return active

    def _remember(self, job: Job) -> Job:
        with self._lock:
            self._job_ids.append(job.id)
        return job

    # ------------------------------------------------------------------ long work

    def start_import(self, folder: str) -> Job:
        source = Path(folder.strip()).expanduser()
        self._importer.check_source(source)
        return self._remember(
            self._jobs.submit("model_import", FILES_LANE, lambda context: self._importer.run(source, context))
        )

    def start_download(self, model_ids: list[str], licence_accepted: bool) -> Job:
        self._downloader.check(model_ids, licence_accepted)
        return self._remember(
            self._jobs.submit(
                "model_download",
                DOWNLOADS_LANE,
                lambda context: self._downloader.run(model_ids, licence_accepted, context),
            )
        )

    def start_verify(self, model_ids: list[str] | None) -> Job:
        self._verifier.check(model_ids)
        return self._remember(
            self._jobs.submit(
                "model_verify", FILES_LANE, lambda context: self._verifier.run(model_ids, context)
            )
        )

    def check_bundle(self, folder: Path, model_ids: list[str]) -> None:
        """For a bundle written inside another job (the ComfyUI lab bundle): refuse before it starts."""
        self._bundles.check_target(folder)
        self.manifest.resolve(model_ids)

    def write_bundle(self, folder: Path, model_ids: list[str], context: JobContext) -> dict[str, object]:
        return self._bundles.write(folder, model_ids, context)

    def start_bundle(self, folder: str, model_ids: list[str]) -> Job:
        target = Path(folder.strip()).expanduser()
        self._bundles.check_target(target)
        if not model_ids:
            raise AppError("model_bundle_nothing_to_write", ErrorKind.INVALID_INPUT)
        self.manifest.resolve(model_ids)
        return self._remember(
            self._jobs.submit(
                "model_bundle", FILES_LANE, lambda context: self._bundles.write(target, model_ids, context)
            )
        )

    # ------------------------------------------------------------------ model folders
    # Each change of the folders also forgets what ComfyUI was last seen to offer: the files it
    # finds may now be others.

    def add_folder(self, raw_path: str) -> ModelLocation:
        location = self.folders.add(raw_path)
        self._listing.clear()
        return location

    def set_folder_enabled(self, folder_id: str, *, enabled: bool) -> ModelLocation:
        location = self.folders.set_enabled(folder_id, enabled=enabled)
        self._listing.clear()
        return location

    def remove_folder(self, folder_id: str) -> None:
        self.folders.remove(folder_id)
        self._listing.clear()

    def set_find_existing(self, find_existing: bool) -> None:
        self.folders.set_find_existing(find_existing)
        self._listing.clear()

    def other_folders(self) -> list[ModelLocation]:
        """Every folder but the app's own, switched off ones too (the page lists and toggles them)."""
        return self.folders.locations(include_disabled=True)[1:]

    # ------------------------------------------------------------------ single actions

    def remove_file(self, model_id: str) -> None:
        """Deletes a model file from the app's own folder (never from another tool's folder)."""
        model = self.manifest.get(model_id)
        found = self.presence.find(model)
        managed_target = self.folders.managed_folder(model.folder.value) / model.filename
        part = part_path(managed_target)
        if found.path is None and not part.exists():
            raise AppError("model_file_not_present", ErrorKind.NOT_FOUND)
        if found.path is not None and found.origin is not FolderOrigin.MANAGED:
            raise AppError("model_file_not_managed", ErrorKind.FORBIDDEN, folder=str(found.path.parent))
        with self.locks.hold(model.id) as free:
            if not free:
                raise AppError("model_file_busy", ErrorKind.CONFLICT)
            for path in (managed_target, part):
                if path.exists():
                    self.cache.forget(path)
                    path.unlink()
        self._listing.clear()

    def places(self) -> list[Place]:
        return self._places.list()

    def browse(self, path: str) -> FolderListing:
        return self._places.browse(path)

    def output_config(self, output_id: str) -> OutputConfig | None:
        return self._catalog.outputs.get(output_id)

    def availability_reasons(self, output_id: str) -> list[UnavailableReason]:
        output = self._catalog.outputs.get(output_id)
        return self.check(output) if output else []
