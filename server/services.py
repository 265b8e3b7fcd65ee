"""Builds every service once and hands them to the app factory (no module globals, no singletons)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server import __version__
from server.catalog.availability import ComfyUIConfiguredCheck, OutputAvailability
from server.catalog.loader import CatalogLoader
from server.catalog.registry import Catalog
from server.comfyui.availability_check import ComfyUIRunningCheck
from server.comfyui.runtime import ComfyUIRuntime
from server.i18n.translator import Translator
from server.jobs.manager import JobManager
from server.notices import NoticeLevel, Notices
from server.resources import Resources
from server.runs.store import RunStore
from server.settings.models import ComfyUISettings
from server.settings.paths import AppPaths
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)


@dataclass
class Services:
    version: str
    paths: AppPaths
    resources: Resources
    translator: Translator
    notices: Notices
    settings: SettingsStore
    catalog: Catalog
    availability: OutputAvailability
    jobs: JobManager
    runs: RunStore
    comfyui: ComfyUIRuntime

    def shutdown(self) -> None:
        """Stops everything that runs in the background, in order. Safe to call twice."""
        self.jobs.shutdown()
        # After the jobs: a cancelled generation still interrupts its prompt. ComfyUI goes as a tree.
        self.comfyui.shutdown()
        log.info("services stopped")


def build_services(
    paths: AppPaths, resources: Resources, comfyui_override: ComfyUISettings | None = None
) -> Services:
    """``comfyui_override`` chooses a ComfyUI for this launch only (command line), not saved."""
    paths.create()
    notices = Notices()
    settings = SettingsStore(paths.settings_file, notices)
    catalog = CatalogLoader(resources.catalog_root).load()
    runs = RunStore(paths.runs_dir)
    interrupted = runs.mark_interrupted_runs()
    if interrupted:
        log.warning("%d run(s) were interrupted when the app last stopped; marked incomplete", interrupted)
    if catalog.problems:
        notices.add("catalog_has_problems", NoticeLevel.WARNING, count=str(len(catalog.problems)))
    comfyui = ComfyUIRuntime(settings, paths, comfyui_override)
    services = Services(
        version=__version__,
        paths=paths,
        resources=resources,
        translator=Translator(),
        notices=notices,
        settings=settings,
        catalog=catalog,
        availability=OutputAvailability(
            [
                ComfyUIConfiguredCheck(lambda: comfyui.launch_config().mode),
                ComfyUIRunningCheck(comfyui.status),
            ]
        ),
        # Text jobs (LLM calls) run side by side; generation jobs wait for the one GPU.
        jobs=JobManager({"text": 4, "generation": 1}),
        runs=runs,
        comfyui=comfyui,
    )
    # In the background: the app's own start never waits for ComfyUI.
    comfyui.begin()
    return services
