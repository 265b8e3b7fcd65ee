"""Builds every service once and hands them to the app factory (no module globals, no singletons)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server import __version__
from server.catalog.availability import ComfyUIConfiguredCheck, OutputAvailability
from server.catalog.live_interceptions import LiveInterceptions
from server.catalog.loader import CatalogLoader
from server.catalog.models import ComfyUIChunk, OutputConfig
from server.catalog.registry import Catalog
from server.catalog.teacher_attitudes import TeacherAttitudes
from server.child_processes import ChildProcesses
from server.classroom.classroom import Classroom
from server.classroom.queue_control import QueueControl
from server.cloud.api_keys import ApiKeys
from server.cloud.availability_check import CloudOutputCheck
from server.cloud.media_client import CloudMediaClient
from server.cloud.offline_mode import OfflineMode
from server.cloud.provider_addresses import with_address_overrides
from server.comfyui.availability_check import ComfyUIRunningCheck
from server.comfyui.connection_settings import ComfyUIConnectionSettings
from server.comfyui.pool import (
    ComfyUIPool,
    MachineSpec,
    PoolReach,
    header_from_secrets,
    header_secret_name,
    url_host,
)
from server.comfyui.pool_availability import PoolAwareComfyUICheck
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui_install.installer import JOB_LANES as INSTALL_JOB_LANES
from server.comfyui_install.installer import ComfyUIInstaller
from server.comfyui_install.plan import release_file
from server.diagnostics.report import DiagnosticsReport, DiagnosticsSources
from server.i18n.translator import Translator
from server.jobs.manager import JobManager
from server.llm.builtin_engine import BuiltinEngine, EngineServerCommand
from server.llm.provider_presets import ProviderPreset, load_provider_presets
from server.llm.provider_registry import DefaultGgufResolver, ProviderRegistry
from server.model_files.folders import ModelFolderFinder, ModelFolders
from server.model_files.places import Places
from server.model_files.service import JOB_LANES as MODEL_JOB_LANES
from server.model_files.service import ModelService
from server.network.http_clients import HttpClients
from server.network.policy import NetworkPolicy
from server.notices import NoticeLevel, Notices
from server.pipeline.generation import Generator
from server.pipeline.language_guess import LanguageGuesser
from server.pipeline.llm_calls import LlmCaller
from server.pipeline.run_steps import RunSteps
from server.pipeline.safety_gate import SafetyGate
from server.pipeline.workshop import Workshop
from server.resources import Resources
from server.runs.export import EXPORT_LANE, RunExporter
from server.runs.export_page import CatalogNames
from server.runs.gallery import Gallery
from server.runs.store import RunStore
from server.settings.models import ComfyUIMode, ComfyUISettings, PoolMachineSettings
from server.settings.paths import AppPaths
from server.settings.policy import LabPolicy, load_policy, policy_file_location
from server.settings.secrets import SecretsStore
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

CHILD_PROCESS_RECORD = "child-processes.json"


@dataclass
class Services:
    version: str
    paths: AppPaths
    resources: Resources
    translator: Translator
    notices: Notices
    settings: SettingsStore
    network: HttpClients
    catalog: Catalog
    attitudes: TeacherAttitudes
    availability: OutputAvailability
    jobs: JobManager
    runs: RunStore
    gallery: Gallery
    exporter: RunExporter
    secrets: SecretsStore
    children: ChildProcesses
    api_keys: ApiKeys
    providers: ProviderRegistry
    builtin_engine: BuiltinEngine
    llm: LlmCaller
    languages: LanguageGuesser
    workshop: Workshop
    gate: SafetyGate
    generator: Generator
    comfyui: ComfyUIRuntime
    comfyui_settings: ComfyUIConnectionSettings
    models: ModelService
    offline_mode: OfflineMode
    diagnostics: DiagnosticsReport
    comfyui_installer: ComfyUIInstaller
    classroom: Classroom

    def output_places(self, output: OutputConfig) -> tuple[int, int] | None:
        """On how many ready ComfyUI machines of the pool an output can run, of how many (or None)."""
        workflow = output_workflow(self.catalog, output)
        return None if workflow is None else self.comfyui.pool.places(workflow)

    def shutdown(self) -> None:
        """Stops everything that runs in the background, in order. Safe to call twice."""
        try:
            # First: the LAN listener closes and every student login ends before anything else stops.
            self.classroom.close()
            self.jobs.shutdown()
            self.providers.close()
            self.builtin_engine.stop()
            # After the jobs: a cancelled generation still interrupts its prompt. ComfyUI goes as a tree.
            self.comfyui.shutdown()
            # Any child no service stopped itself (none should be left).
            self.children.shutdown()
        finally:
            # Last, even when a step above failed: every step's final state is on disk (or the log
            # names each run that could not be saved) before the process ends.
            self.runs.close()
        log.info("services stopped")


def output_workflow(catalog: Catalog, output: OutputConfig) -> dict[str, Any] | None:
    chunk = catalog.output_chunk(output)
    if not isinstance(chunk, ComfyUIChunk):
        return None
    return {key: node.model_dump() for key, node in chunk.workflow.items()}


def output_reach(catalog: Catalog, pool: ComfyUIPool, output: OutputConfig) -> PoolReach | None:
    workflow = output_workflow(catalog, output)
    return None if workflow is None else pool.reach(workflow)


# Threads of the generation lane: more ComfyUI machines than this still work, this many at once.
MAX_POOL_SLOTS = 16


def pool_machines(machines: list[PoolMachineSettings], secrets: SecretsStore) -> list[MachineSpec]:
    specs = []
    for machine in machines:
        spec = MachineSpec(url=machine.url, name=machine.name, enabled=machine.enabled)
        stored = secrets.get(header_secret_name(spec.id)) if machine.header_name else None
        value = header_from_secrets(stored) if stored is not None else None
        header = (machine.header_name, value) if machine.header_name and value is not None else None
        specs.append(MachineSpec(machine.url, machine.name, machine.enabled, header))
    return specs


def build_services(
    paths: AppPaths, resources: Resources, comfyui_override: ComfyUISettings | None = None
) -> Services:
    """``comfyui_override`` chooses a ComfyUI for this launch only (command line), not saved."""
    paths.create()
    # Every child process starts through this one object; first it stops what a crashed earlier
    # run left behind (in the background: the window need not wait; a child's start does).
    children = ChildProcesses(paths.data_dir / CHILD_PROCESS_RECORD)
    children.reap_orphans_in_background()
    _remove_legacy_process_record(paths)
    notices = Notices()
    policy = load_policy(policy_file_location())
    _report_policy(policy, notices)
    if policy.models_dir is not None:
        paths = paths.with_models_dir(policy.models_dir)
    settings = SettingsStore(paths.settings_file, notices, policy)

    # Every outgoing HTTP request of the app goes through these clients: offline mode in one place.
    def pool_settings() -> list[PoolMachineSettings]:
        return (comfyui_override or settings.current.comfyui).machines

    def school_hosts() -> list[str]:
        # Offline means "nothing outside the school": the pool's machines were put there by a teacher
        # (PIN) or the lab policy, so they stay reachable (docs/comfyui-pool.md).
        return [host for machine in pool_settings() if (host := url_host(machine.url))]

    network = HttpClients(NetworkPolicy(lambda: settings.offline, school_hosts))
    catalog = CatalogLoader(resources.catalog_root).load()
    runs = RunStore(paths.runs_dir, notices=notices)
    runs.sync_index()
    interrupted = runs.mark_interrupted_runs()
    if interrupted:
        log.warning("%d run(s) were interrupted when the app last stopped; marked incomplete", interrupted)
    secrets = SecretsStore(paths.secrets_file)
    for secrets_notice in secrets.notices:
        notices.add(secrets_notice.code, NoticeLevel.WARNING, **secrets_notice.params)
    builtin_engine = BuiltinEngine(_engine_command(), paths.logs_dir, frozen=_frozen(), children=children)
    providers = ProviderRegistry(
        with_address_overrides(_provider_presets(resources, notices), os.environ),
        secrets,
        builtin_engine,
        DefaultGgufResolver(paths.models_dir / "llm"),
        clients=network,
    )
    llm = LlmCaller(providers, settings)
    if llm.uses_test_grade_model():
        notices.add("llm_test_grade_model", NoticeLevel.INFO)
    gate = SafetyGate(
        resources.app_configs / "safety",
        llm,
        on_broken=lambda detail: notices.add(
            "safety_config_broken_notice", NoticeLevel.WARNING, detail=detail
        ),
        models=catalog.models.values(),
        # Say the truth: without a capable checker the term lists are all there is.
        on_lists_only=lambda: notices.add("safety_protection_lists_only", NoticeLevel.WARNING),
    )
    attitudes = _teacher_attitudes(catalog, paths, policy, gate, settings)
    if catalog.problems:
        notices.add("catalog_has_problems", NoticeLevel.WARNING, count=str(len(catalog.problems)))
    # Text jobs (LLM calls) run side by side; generation jobs wait for the one GPU; model files
    # are imported one at a time (they share the disk) and downloaded in a lane of their own; exports
    # write zips one at a time.
    # Generation jobs get one slot per ready ComfyUI machine of the pool (see comfyui below).
    pool_slots: list[Callable[[], int]] = []
    jobs = JobManager(
        {"text": 4, "generation": MAX_POOL_SLOTS, **MODEL_JOB_LANES, EXPORT_LANE: 1, **INSTALL_JOB_LANES},
        slots={"generation": lambda: min(MAX_POOL_SLOTS, pool_slots[0]()) if pool_slots else 1},
    )

    def managed_comfyui_dir() -> str | None:
        # Its own models/ folder holds files too (ComfyUI reads it anyway; presence must see it).
        chosen = comfyui_override or settings.current.comfyui
        return chosen.directory if chosen.mode is ComfyUIMode.MANAGED else None

    model_folders = ModelFolders(
        paths.models_dir, settings, ModelFolderFinder.for_this_machine(), comfyui_dir=managed_comfyui_dir
    )
    comfyui = ComfyUIRuntime(
        settings,
        paths,
        comfyui_override,
        model_sections=model_folders.read_only_sections,
        http=network,
        children=children,
        machines=lambda: pool_machines(pool_settings(), secrets),
    )
    pool_slots.append(comfyui.pool.slots)
    comfyui.pool.on_change(lambda: jobs.slots_changed("generation"))
    models = ModelService(
        catalog,
        settings,
        model_folders,
        paths.data_dir / "model_hashes.json",
        jobs,
        network,
        comfyui.status,
        __version__,
        Places(Path.home()),
    )
    models.use_output_check(
        PoolAwareComfyUICheck(
            [models.check],
            lambda output: output_reach(catalog, comfyui.pool, output),
            models.manifest,
            models.presence,
        )
    )
    availability = OutputAvailability(
        [
            PoolAwareComfyUICheck(
                [
                    ComfyUIConfiguredCheck(lambda: comfyui.launch_config().mode),
                    ComfyUIRunningCheck(comfyui.status),
                    models.check,
                ],
                lambda output: output_reach(catalog, comfyui.pool, output),
                models.manifest,
                models.presence,
            ),
            CloudOutputCheck(lambda: settings.offline, providers),
        ]
    )
    steps = RunSteps(runs, gate, settings)
    languages = LanguageGuesser(catalog.languages)
    translator = Translator()
    exporter = RunExporter(runs, jobs, translator, _catalog_names(catalog), paths.data_dir / "exports")
    exporter.remove_old_exports()
    api_keys = ApiKeys(secrets, providers, settings)
    diagnostics = DiagnosticsReport(
        DiagnosticsSources(
            version=__version__,
            paths=paths,
            settings=settings,
            secrets=secrets,
            api_keys=api_keys,
            comfyui=comfyui,
            network=network,
            catalog=catalog,
            models=models,
            notices=notices,
            translator=translator,
            safety_protection=gate.protection_summary,
        )
    )
    comfyui_settings = ComfyUIConnectionSettings(settings, comfyui, secrets)
    installer = ComfyUIInstaller(
        paths=paths,
        release_file=release_file(resources.app_configs),
        settings=settings,
        connection=comfyui_settings,
        runtime=comfyui,
        jobs=jobs,
        children=children,
        network=network,
        model_bundles=models,
    )
    installer.remove_leftovers()
    classroom = Classroom(
        settings,
        runs,
        attitudes=lambda: list(catalog.interceptions),
        outputs=lambda: list(catalog.outputs),
        blocking_terms=gate.blocking_terms,
        queue=QueueControl(jobs),
    )
    services = Services(
        version=__version__,
        paths=paths,
        resources=resources,
        translator=translator,
        notices=notices,
        settings=settings,
        network=network,
        catalog=catalog,
        attitudes=attitudes,
        availability=availability,
        jobs=jobs,
        runs=runs,
        gallery=Gallery(runs, translator, jobs),
        exporter=exporter,
        secrets=secrets,
        children=children,
        api_keys=api_keys,
        providers=providers,
        builtin_engine=builtin_engine,
        llm=llm,
        languages=languages,
        workshop=Workshop(catalog, runs, jobs, llm, steps, settings, rules=classroom),
        gate=gate,
        generator=Generator(
            catalog,
            runs,
            jobs,
            llm,
            steps,
            gate,
            comfyui,
            availability,
            languages,
            settings,
            CloudMediaClient(providers, network),
            rules=classroom,
        ),
        comfyui=comfyui,
        comfyui_settings=comfyui_settings,
        models=models,
        offline_mode=OfflineMode(settings, comfyui),
        diagnostics=diagnostics,
        comfyui_installer=installer,
        classroom=classroom,
    )
    # In the background: the app's own start never waits for ComfyUI.
    comfyui.begin()
    return services


def _teacher_attitudes(
    catalog: Catalog, paths: AppPaths, policy: LabPolicy, gate: SafetyGate, settings: SettingsStore
) -> TeacherAttitudes:
    assert isinstance(catalog.interceptions, LiveInterceptions)
    attitudes = TeacherAttitudes(
        catalog.interceptions,
        paths.data_dir / "attitudes",
        policy.attitudes_dir,
        catalog.llm_chunks,
        catalog.languages,
        lambda text: gate.blocking_terms(text, settings.current.safety_level),
    )
    catalog.problems.extend(attitudes.load())
    return attitudes


def _catalog_names(catalog: Catalog) -> CatalogNames:
    return CatalogNames(
        attitudes={key: config.name.model_dump() for key, config in catalog.interceptions.items()},
        outputs={key: config.name.model_dump() for key, config in catalog.outputs.items()},
        players={key: info.player for key, info in catalog.media_types.items()},
    )


def _report_policy(policy: LabPolicy, notices: Notices) -> None:
    if policy.file is None:
        return
    for problem in policy.problems:
        notices.add(
            "policy_broken",
            NoticeLevel.WARNING,
            file=str(policy.file),
            field=problem.field,
            detail=problem.detail,
        )


def _provider_presets(resources: Resources, notices: Notices) -> list[ProviderPreset]:
    try:
        return load_provider_presets(resources.app_configs / "llm_providers.json")
    except (OSError, ValueError) as error:
        # Every LLM step then explains that its provider is unknown; the app itself still starts.
        log.error("the LLM provider list is unreadable: %s", error)
        notices.add("llm_providers_broken", NoticeLevel.WARNING, detail=str(error))
        return []


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _engine_command() -> EngineServerCommand:
    # Frozen, the app's own executable serves the engine (build/ai4artsed_entry.py --llama-server).
    if _frozen():
        return EngineServerCommand([sys.executable, "--llama-server"])
    return EngineServerCommand.for_interpreter(sys.executable)


def _remove_legacy_process_record(paths: AppPaths) -> None:
    # Versions before the shared record kept ComfyUI's here, with the app's command line in it:
    # that may hold the launch token (--token), so the file goes.
    legacy = paths.comfyui_state_dir / "processes.json"
    try:
        legacy.unlink()
        log.info("removed the old process record %s", legacy)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("the old process record %s could not be removed: %s", legacy, exc)
