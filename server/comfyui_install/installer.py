"""The install job: archive -> unpack -> Python -> PyTorch -> requirements -> first start -> picture.

Installs go side by side into ``<data>/comfyui/installs/<version>-<n>/`` (``ComfyUI/`` + ``.venv/``).
A folder counts only once ``installed.json`` is written in it, after its self-test painted a picture;
only then does ``installs.json`` (written atomically) name it ``current`` and the settings point the
supervisor at it, like any managed ComfyUI folder. The install before stays as ``previous`` (rollback)
until the next update. A failed or cancelled install removes its folder; the downloaded archive part
stays, so the next attempt continues the download.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from server.atomic_write import write_bytes_atomic, write_model_atomic
from server.child_processes import ChildProcesses
from server.comfyui.connection_settings import ComfyUIConnectionSettings
from server.comfyui.devices import CPU_FLAGS, automatic_device_flags
from server.comfyui.installation import ComfyUIInstallation
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui_install import archive
from server.comfyui_install.environment import (
    UvCancelledError,
    UvRunner,
    UvSetup,
    base_environment,
    find_uv,
    folder_bytes,
    install_command,
    python_install_command,
    uv_summary,
    venv_command,
    venv_python,
)
from server.comfyui_install.gpu_detection import DetectedGpu, detect_gpu
from server.comfyui_install.lab_bundle import (
    MANIFEST,
    PYTHON,
    WHEELS,
    BundledFile,
    BundledPython,
    ComfyUIBundleManifest,
    bundle_root,
    choices_from_bundle,
    describe_wheels,
    read_bundle,
    uv_download_list,
    verify_python_runtime,
    verify_wheels,
)
from server.comfyui_install.plan import (
    InstallPlan,
    PlanChoices,
    PythonRuntimeDownload,
    ReleasePin,
    TorchBuild,
    load_release,
    make_plan,
    runtime_platform_key,
)
from server.comfyui_install.self_test import SelfTestCancelledError, run_self_test
from server.errors import AppError, ErrorKind
from server.jobs.manager import Job, JobCancelledError, JobContext, JobManager
from server.network.destinations import is_loopback_host
from server.network.http_clients import HttpClients
from server.network.policy import NetworkPolicy
from server.settings.models import ComfyUIChange, ComfyUIMode, ComfyUISources
from server.settings.paths import AppPaths
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

INSTALL_LANE = "comfyui_install"
# What "remove the installed ComfyUI" deletes in <data>/comfyui (the Windows uninstaller's
# /REMOVECOMFYUI option names the same folders); the user's ComfyUI state (output, user, ...) stays.
REMOVABLE_FOLDERS = ("installs", "downloads", "uv-cache", "python", "self-test")
JOB_LANES = {INSTALL_LANE: 1}
PHASES = ("download", "unpack", "python", "pytorch", "requirements", "first_start", "self_test")
MARKER = "installed.json"
POINTER = "installs.json"
SELF_TEST_PICTURE = "self-test.png"
_TORCH_FAMILY = re.compile(r"^\s*(torch|torchvision|torchaudio)\s*([<>=!~;#\[].*)?$", re.IGNORECASE)


class InstallStatus(BaseModel):
    """What the settings page and the wizard show about the app's own ComfyUI."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    release_version: str
    current: str | None
    current_version: str | None
    previous: str | None
    update_available: bool
    active_job_id: str | None
    install_root: str
    in_use: bool
    allowed: bool


class InstallPointer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current: str | None = None
    previous: str | None = None


class InstallMarker(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    torch_build: str
    installed_at: float


@dataclass(frozen=True)
class InstallerTimings:
    start_timeout_s: float = 600.0


class ModelBundles(Protocol):
    """The models page's bundle writer (server/model_files): the lab bundle puts models beside ComfyUI."""

    def check_bundle(self, folder: Path, model_ids: list[str]) -> None: ...

    def write_bundle(self, folder: Path, model_ids: list[str], context: JobContext) -> dict[str, object]: ...


class ComfyUIInstaller:
    def __init__(
        self,
        *,
        paths: AppPaths,
        release_file: Path,
        settings: SettingsStore,
        connection: ComfyUIConnectionSettings,
        runtime: ComfyUIRuntime,
        jobs: JobManager,
        children: ChildProcesses,
        network: HttpClients,
        timings: InstallerTimings | None = None,
        platform: str = sys.platform,
        machine_root: Path | None = None,
        model_bundles: ModelBundles | None = None,
    ) -> None:
        self._paths = paths
        self._release_file = release_file
        self._settings = settings
        self._connection = connection
        self._runtime = runtime
        self._jobs = jobs
        self._children = children
        self._network = network
        self._timings = timings or InstallerTimings()
        self._platform = platform
        # The machine-wide install (desktop/cli.py, run as admin): installs and uv's Pythons live
        # there, and no user's settings are switched to it (the lab policy points the app at it).
        self._machine_root = machine_root
        self._model_bundles = model_bundles
        self._lock = threading.Lock()
        self._active: Job | None = None
        self._gpu: DetectedGpu | None = None

    # Folders ------------------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        if self._machine_root is not None:
            return self._machine_root / "installs"
        # A lab policy may fix where installs live (a lab drive, the machine-wide install).
        fixed = self._settings.policy.comfyui_install_root
        return fixed / "installs" if fixed is not None else self._paths.comfyui_state_dir / "installs"

    @property
    def downloads(self) -> Path:
        return self._paths.comfyui_state_dir / "downloads"

    @property
    def log_file(self) -> Path:
        return self._paths.logs_dir / "comfyui-install.log"

    def pointer(self) -> InstallPointer:
        try:
            return InstallPointer.model_validate_json((self.root / POINTER).read_bytes())
        except (OSError, ValidationError):
            return InstallPointer()

    def installation(self, name: str) -> ComfyUIInstallation:
        folder = self.root / name
        return ComfyUIInstallation(folder / "ComfyUI", venv_python(folder / ".venv").absolute())

    def release(self) -> ReleasePin:
        return load_release(self._release_file)

    # Plan ---------------------------------------------------------------------------------------

    def gpu(self, refresh: bool = False) -> DetectedGpu:
        if self._gpu is None or refresh:
            self._gpu = detect_gpu(self._run_tool, self._platform)
        return self._gpu

    def plan(self, choices: PlanChoices) -> InstallPlan:
        runtime: BundledPython | None = None
        runtime_file: Path | None = None
        if choices.bundle_folder:
            folder = Path(choices.bundle_folder).expanduser()
            runtime = read_bundle(folder).python_runtime
            runtime_file = bundle_root(folder) / PYTHON / runtime.file if runtime else None
            choices = choices_from_bundle(folder, choices)
        # Sources entered once (a school mirror, a wheel folder) stay for the next update.
        remembered = self._settings.current.comfyui_sources
        if not (choices.package_index or choices.wheel_folder):
            choices = choices.model_copy(
                update={"package_index": remembered.package_index, "wheel_folder": remembered.wheel_folder}
            )
        plan = make_plan(self.release(), self.gpu(), choices, self.root, self._platform)
        if runtime is None or runtime_file is None:
            return plan
        # The bundle's wheels were chosen for its own Python: that one, installed from the stick.
        if runtime.platform_key != runtime_platform_key(self._platform):
            raise AppError(
                "comfyui_bundle_other_system",
                ErrorKind.INVALID_INPUT,
                system=runtime.platform_key,
            )
        return plan.model_copy(
            update={
                "python": runtime.version,
                "python_source": "bundle",
                "python_runtime_file": str(runtime_file),
                "python_runtime_sha256": runtime.sha256,
            }
        )

    def status(self) -> InstallStatus:
        pointer = self.pointer()
        release = self.release()
        current_version = self._marker(pointer.current).version if pointer.current else None
        with self._lock:
            active = self._active.id if self._active and not self._active.state.is_final else None
        return InstallStatus(
            release_version=release.version,
            current=pointer.current,
            current_version=current_version,
            previous=pointer.previous,
            update_available=current_version is not None and current_version != release.version,
            active_job_id=active,
            install_root=str(self.root),
            in_use=self._in_use(pointer.current),
            allowed="comfyui" not in self._settings.policy.locked
            and self._settings.policy.comfyui_install_allowed,
        )

    # The job ------------------------------------------------------------------------------------

    def _refuse_unless_allowed(self, pin: str | None) -> None:
        """The policy first (no PIN opens it), then the teacher PIN once one is set."""
        self._settings.policy.refuse_comfyui_install()
        self._settings.check_teacher_pin(pin)

    def start(self, choices: PlanChoices, *, leave_offline: bool, pin: str | None = None) -> Job:
        self._refuse_unless_allowed(pin)
        plan = self.plan(choices)
        if choices.bundle_folder:
            folder = Path(choices.bundle_folder).expanduser()
            manifest = read_bundle(folder)
            verify_wheels(folder, manifest)
            verify_python_runtime(folder, manifest)
        elif choices.package_index or choices.wheel_folder:
            self._settings.set_comfyui_sources(
                ComfyUISources(package_index=choices.package_index, wheel_folder=choices.wheel_folder)
            )
        if plan.needs_network and self._settings.offline and not leave_offline:
            raise AppError("comfyui_install_offline_consent_needed", ErrorKind.CONFLICT)
        with self._lock:
            if self._active is not None and not self._active.state.is_final:
                raise AppError("comfyui_install_running", ErrorKind.CONFLICT)
            # Only this job's downloads may leave offline mode, and only with the teacher's word.
            exempt = leave_offline
            clients = HttpClients(NetworkPolicy(lambda: self._settings.offline and not exempt))
            job = self._jobs.submit(
                "comfyui_install", INSTALL_LANE, lambda ctx: self._install(ctx, plan, clients)
            )
            self._active = job
        return job

    def _install(self, ctx: JobContext, plan: InstallPlan, clients: HttpClients) -> dict[str, object]:
        self.root.mkdir(parents=True, exist_ok=True)
        name = self._next_name(plan.version)
        folder = self.root / name
        log.info("installing ComfyUI %s into %s (%s build)", plan.version, folder, plan.torch_build.value)
        self._note(f"install {name}: {plan.model_dump_json()}")
        try:
            picture = self._steps(ctx, plan, clients, folder)
        except (
            JobCancelledError,
            UvCancelledError,
            SelfTestCancelledError,
            archive.DownloadCancelledError,
        ) as exc:
            self._remove(folder)
            self._note(f"install {name}: cancelled")
            raise JobCancelledError from exc
        except BaseException:
            self._remove(folder)
            self._note(f"install {name}: failed (see above)")
            raise
        self._switch_to(name)
        return {"install": name, "version": plan.version, "picture_bytes": len(picture)}

    def _steps(self, ctx: JobContext, plan: InstallPlan, clients: HttpClients, folder: Path) -> bytes:
        def phase(name: str, **data: object) -> None:
            ctx.check_cancelled()
            ctx.emit("phase", {"phase": name, "index": PHASES.index(name) + 1, "of": len(PHASES), **data})

        speed = _Speed(ctx)
        phase("download")
        source = self._archive(plan, clients, speed, ctx)
        phase("unpack")
        try:
            comfy = archive.unpack(source, folder / "unpacked", plan.archive_git_tree)
        except AppError:
            if not plan.archive_file:
                source.unlink(missing_ok=True)  # a damaged download is fetched anew next time
            raise
        shutil.move(str(comfy), str(folder / "ComfyUI"))
        shutil.rmtree(folder / "unpacked", ignore_errors=True)
        ctx.check_cancelled()

        uv = self._uv_setup(plan)
        env = uv.environment(base_environment())
        runner = UvRunner(self._children, self.log_file)
        venv = folder / ".venv"
        phase("python", python=plan.python)
        managed = self._install_runtime(plan, uv, runner, ctx)
        runner.run(
            "uv-venv", venv_command(uv, venv, plan.python, managed=managed), env, lambda: ctx.cancelled
        )
        phase("pytorch", build=plan.torch_build.value, packages=plan.torch_packages)
        if plan.torch_packages:
            torch_uv = self._uv_setup(plan, torch=True)
            sizes = _UvProgress(ctx, "pytorch", venv, uv.cache_dir, plan.torch_bytes)
            printed = runner.run(
                "uv-pytorch",
                install_command(torch_uv, venv, plan.torch_packages),
                torch_uv.environment(base_environment()),
                lambda: ctx.cancelled,
                sizes.tick,
            )
            sizes.finish(printed)
        phase("requirements")
        requirements, constraints = self._requirement_files(folder, plan)
        sizes = _UvProgress(ctx, "requirements", venv, uv.cache_dir, plan.requirements_bytes)
        printed = runner.run(
            "uv-requirements",
            install_command(
                uv, venv, plan.extra_requirements, requirements=requirements, constraints=constraints
            ),
            env,
            lambda: ctx.cancelled,
            sizes.tick,
        )
        sizes.finish(printed)
        phase("first_start")
        installation = ComfyUIInstallation(folder / "ComfyUI", venv_python(venv).absolute())
        picture = run_self_test(
            installation,
            children=self._children,
            clients=clients,
            state_dir=self._paths.comfyui_state_dir / "self-test",
            models_dir=self._paths.models_dir,
            log_file=self.log_file,
            cancelled=lambda: ctx.cancelled,
            on_started=lambda: phase("self_test"),
            start_timeout_s=self._timings.start_timeout_s,
            # A CPU build must be told so: ComfyUI asks PyTorch for CUDA otherwise and dies at start.
            device_flags=CPU_FLAGS if plan.torch_build is TorchBuild.CPU else automatic_device_flags(),
        )
        ctx.check_cancelled()
        write_bytes_atomic(folder / SELF_TEST_PICTURE, picture)
        write_model_atomic(
            folder / MARKER,
            InstallMarker(version=plan.version, torch_build=plan.torch_build.value, installed_at=time.time()),
        )
        ctx.emit("self_test_picture", {"bytes": len(picture)})
        return picture

    def _archive(self, plan: InstallPlan, clients: HttpClients, speed: _Speed, ctx: JobContext) -> Path:
        if plan.archive_file:
            source = Path(plan.archive_file).expanduser()
            if not source.is_file():
                raise AppError("comfyui_install_archive_missing", ErrorKind.INVALID_INPUT, file=str(source))
        else:
            pin = plan.archive_sha256 or plan.archive_git_tree
            if pin is None:
                raise AppError(
                    "comfyui_install_no_checksum", ErrorKind.INVALID_INPUT, file=plan.archive_url or ""
                )
            assert plan.archive_url is not None
            target = self.downloads / f"ComfyUI-{plan.version}-{pin[:12]}.archive"
            if not target.is_file():
                archive.download(clients, plan.archive_url, target, speed.report, lambda: ctx.cancelled)
            source = target
        if plan.archive_sha256 is None and plan.archive_git_tree is not None:
            return source  # checked against the pinned tree while it is unpacked
        try:
            archive.check_sha256(source, plan.archive_sha256)
        except AppError:
            if not plan.archive_file:
                source.unlink(missing_ok=True)  # a damaged download is fetched anew next time
            raise
        return source

    def _install_runtime(self, plan: InstallPlan, uv: UvSetup, runner: UvRunner, ctx: JobContext) -> bool:
        """A lab bundle's Python: ``uv python install`` from the stick into uv's Python folder.

        uv reads a one-entry download list naming the archive by a file:// URL and checks its sha256;
        with ``--offline`` it cannot reach anything else. Returns whether the venv must use it.
        """
        if plan.python_runtime_file is None or plan.python_runtime_sha256 is None:
            return False
        source = Path(plan.python_runtime_file)
        key = runtime_platform_key(self._platform)
        listing = self._paths.comfyui_state_dir / "python-downloads.json"
        listing.parent.mkdir(parents=True, exist_ok=True)
        listing.write_text(
            json.dumps(uv_download_list(source, plan.python_runtime_sha256, plan.python, key)),
            encoding="utf-8",
        )
        runner.run(
            "uv-python-install",
            python_install_command(uv, listing, plan.python),
            uv.python_install_environment(base_environment()),
            lambda: ctx.cancelled,
        )
        return True

    def _uv_setup(self, plan: InstallPlan, *, torch: bool = False) -> UvSetup:
        indexes: tuple[str, ...] = ()
        if plan.wheel_folder is None:
            first = plan.torch_index_url if torch else plan.package_index
            # PyTorch's index lacks some of torch's own dependencies: the package index stays as a second one.
            indexes = tuple(dict.fromkeys(url for url in (first, plan.package_index) if url))
        return UvSetup(
            uv=find_uv(),
            cache_dir=self._paths.comfyui_state_dir / "uv-cache",
            # A machine-wide install's Python must outlive the admin's scratch folder.
            python_dir=(self._machine_root or self._paths.comfyui_state_dir) / "python",
            offline=plan.offline,
            index_urls=indexes,
            find_links=plan.wheel_folder,
        )

    @staticmethod
    def _requirement_files(folder: Path, plan: InstallPlan) -> tuple[Path | None, Path]:
        """ComfyUI's own requirements minus the PyTorch family (installed before from its index)."""
        listed = folder / "ComfyUI" / "requirements.txt"
        requirements: Path | None = None
        if listed.is_file():
            kept = [
                line
                for line in listed.read_text(encoding="utf-8").splitlines()
                if not _TORCH_FAMILY.match(line)
            ]
            requirements = folder / "requirements-without-torch.txt"
            requirements.write_text("\n".join(kept) + "\n", encoding="utf-8")
        constraints = folder / "constraints.txt"
        constraints.write_text("\n".join([*plan.torch_packages, *plan.constraints]) + "\n", encoding="utf-8")
        return requirements, constraints

    # Lab bundles ---------------------------------------------------------------------------------

    def make_bundle(
        self,
        choices: PlanChoices,
        target: Path,
        *,
        leave_offline: bool,
        pin: str | None = None,
        model_ids: Sequence[str] = (),
    ) -> Job:
        """A job writing the archive and every wheel for this PC's kind into ``target`` (a USB stick)."""
        # Making a bundle installs nothing here, so only the PIN guards it (it downloads a lot).
        self._settings.check_teacher_pin(pin)
        plan = self.plan(choices)
        runtime = self._runtime_download()
        needs_network = plan.needs_network or (runtime is not None and _is_remote(runtime.url))
        if needs_network and self._settings.offline and not leave_offline:
            raise AppError("comfyui_install_offline_consent_needed", ErrorKind.CONFLICT)
        if not target.is_dir():
            raise AppError("comfyui_bundle_folder_missing", ErrorKind.INVALID_INPUT, folder=str(target))
        models = list(model_ids)
        if models:
            if self._model_bundles is None:
                raise AppError("comfyui_bundle_models_unavailable", ErrorKind.UNAVAILABLE)
            self._model_bundles.check_bundle(target, models)
        with self._lock:
            if self._active is not None and not self._active.state.is_final:
                raise AppError("comfyui_install_running", ErrorKind.CONFLICT)
            exempt = leave_offline
            clients = HttpClients(NetworkPolicy(lambda: self._settings.offline and not exempt))
            job = self._jobs.submit(
                "comfyui_bundle", INSTALL_LANE, lambda ctx: self._bundle(ctx, plan, clients, target, models)
            )
            self._active = job
        return job

    def _bundle(
        self,
        ctx: JobContext,
        plan: InstallPlan,
        clients: HttpClients,
        target: Path,
        model_ids: list[str] | None = None,
    ) -> dict[str, object]:
        root = bundle_root(target)
        work = self._paths.comfyui_state_dir / "bundle-work"
        self._remove(root)
        self._remove(work)
        try:
            ctx.emit("phase", {"phase": "download", "index": 1, "of": 3})
            source = self._archive(plan, clients, _Speed(ctx), ctx)
            (root / WHEELS).mkdir(parents=True)
            archive_name = f"ComfyUI-{plan.version}.archive"
            shutil.copyfile(source, root / archive_name)
            ctx.check_cancelled()
            comfy = archive.unpack(source, work / "unpacked", plan.archive_git_tree)
            shutil.move(str(comfy), str(work / "ComfyUI"))
            uv = self._uv_setup(plan)
            env = uv.environment(base_environment())
            runner = UvRunner(self._children, self.log_file)
            venv = work / ".venv"
            ctx.emit("phase", {"phase": "python", "index": 2, "of": 3})
            bundled_python = self._bundle_runtime(ctx, clients, root)
            if bundled_python is not None:
                # The wheels are chosen by the runtime's own interpreter, so they fit it on the other PC.
                in_bundle = root / PYTHON / bundled_python.file
                plan = plan.model_copy(
                    update={
                        "python": bundled_python.version,
                        "python_runtime_file": str(in_bundle),
                        "python_runtime_sha256": bundled_python.sha256,
                    }
                )
            managed = self._install_runtime(plan, uv, runner, ctx)
            runner.run(
                "uv-venv", venv_command(uv, venv, plan.python, managed=managed), env, lambda: ctx.cancelled
            )
            # pip only for `pip download` (uv has no command that keeps the wheels), from the same sources.
            runner.run("uv-pip", install_command(uv, venv, ["pip"]), env, lambda: ctx.cancelled)
            ctx.emit("phase", {"phase": "requirements", "index": 3, "of": 3})
            requirements, constraints = self._requirement_files(work, plan)
            download = [str(venv_python(venv)), "-m", "pip", "download", "--isolated", "--no-input"]
            download += ["--disable-pip-version-check", "--dest", str(root / WHEELS), *_pip_sources(plan)]
            download += ["--constraint", str(constraints)]
            if requirements is not None:
                download += ["--requirement", str(requirements)]
            download += [*plan.torch_packages, *plan.extra_requirements]
            runner.run("pip-download", download, env, lambda: ctx.cancelled)
            wheels = describe_wheels(root / WHEELS)
            manifest = ComfyUIBundleManifest(
                version=plan.version,
                torch_build=plan.torch_build.value,
                platform=sys.platform,
                python_version=_venv_python_version(venv),
                archive=BundledFile(file=archive_name, sha256=archive.sha256_of(root / archive_name)),
                wheels=wheels,
                python_runtime=bundled_python,
            )
            write_model_atomic(root / MANIFEST, manifest)  # last: only a complete bundle has one
        except (JobCancelledError, UvCancelledError, archive.DownloadCancelledError) as exc:
            self._remove(root)
            raise JobCancelledError from exc
        except BaseException:
            self._remove(root)
            raise
        finally:
            self._remove(work)
        result: dict[str, object] = {
            "folder": str(root),
            "wheels": len(wheels),
            "python_runtime": bundled_python.version if bundled_python else None,
        }
        if model_ids and self._model_bundles is not None:
            # After the ComfyUI part is complete: the model files' own bundle (ai4artsed-models/, its
            # manifest written last too), imported on the other PC from the models page.
            ctx.emit("phase", {"phase": "models", "index": 4, "of": 4})
            result["models"] = self._model_bundles.write_bundle(target, model_ids, ctx)
        return result

    def _runtime_download(self) -> PythonRuntimeDownload | None:
        pin = self.release().python_runtime
        return pin.downloads.get(runtime_platform_key(self._platform)) if pin else None

    def _bundle_runtime(self, ctx: JobContext, clients: HttpClients, root: Path) -> BundledPython | None:
        """The release's CPython for this system, fetched like the ComfyUI archive, into ``python/``."""
        pin = self.release().python_runtime
        download = self._runtime_download()
        if pin is None or download is None:
            return None  # no runtime pinned for this system: the bundle works as before
        name = unquote(urlsplit(download.url).path.rsplit("/", 1)[-1]) or f"cpython-{pin.version}.tar.gz"
        target = self.downloads / name
        if not target.is_file():
            archive.download(clients, download.url, target, _Speed(ctx).report, lambda: ctx.cancelled)
        try:
            archive.check_sha256(target, download.sha256)
        except AppError:
            target.unlink(missing_ok=True)  # a damaged download is fetched anew next time
            raise
        (root / PYTHON).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, root / PYTHON / name)
        return BundledPython(
            file=name,
            sha256=download.sha256,
            version=pin.version,
            platform_key=runtime_platform_key(self._platform),
        )

    # Switching, rollback, removal ---------------------------------------------------------------

    def _switch_to(self, name: str) -> None:
        before = self.pointer()
        old_previous = before.previous
        if self._machine_root is None:
            self._point_settings_at(name)
        write_model_atomic(self.root / POINTER, InstallPointer(current=name, previous=before.current))
        if old_previous and old_previous not in (name, before.current):
            self._remove(self.root / old_previous)
        log.info("switched to ComfyUI install %s (previous: %s)", name, before.current)

    def rollback(self, pin: str | None = None) -> InstallPointer:
        self._refuse_unless_allowed(pin)
        pointer = self.pointer()
        if pointer.previous is None or not (self.root / pointer.previous / MARKER).is_file():
            raise AppError("comfyui_install_nothing_to_roll_back", ErrorKind.CONFLICT)
        self._point_settings_at(pointer.previous)
        swapped = InstallPointer(current=pointer.previous, previous=pointer.current)
        write_model_atomic(self.root / POINTER, swapped)
        return swapped

    def remove_all(self, pin: str | None = None) -> None:
        """The settings' "remove the installed ComfyUI" button: installs, caches and Pythons go."""
        self._refuse_unless_allowed(pin)
        with self._lock:
            if self._active is not None and not self._active.state.is_final:
                raise AppError("comfyui_install_running", ErrorKind.CONFLICT)
        if self._in_use(self.pointer().current):
            self._connection.change(ComfyUIChange(mode=ComfyUIMode.NONE))
        for name in REMOVABLE_FOLDERS:
            self._remove(self._paths.comfyui_state_dir / name)

    def self_test_picture(self) -> bytes:
        current = self.pointer().current
        picture = self.root / current / SELF_TEST_PICTURE if current else None
        if picture is None or not picture.is_file():
            raise AppError("comfyui_install_no_picture", ErrorKind.NOT_FOUND)
        return picture.read_bytes()

    def remove_leftovers(self) -> None:
        """At start: folders without a marker are what a crash left mid-install."""
        if self._settings.policy.comfyui_install_root is not None and self._machine_root is None:
            return  # a shared or machine-wide root is IT's: a user's app never deletes there
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            if entry.is_dir() and not (entry / MARKER).is_file():
                log.warning("removing an unfinished ComfyUI install: %s", entry.name)
                self._remove(entry)

    def _point_settings_at(self, name: str) -> None:
        installation = self.installation(name)
        result = self._connection.change(
            ComfyUIChange(
                mode=ComfyUIMode.MANAGED,
                directory=str(installation.directory),
                python=str(installation.python),
            )
        )
        if result.command_line_override:
            return
        if result.restart_needed:
            self._runtime.restart()
        else:
            self._runtime.start()

    def _in_use(self, name: str | None) -> bool:
        if name is None:
            return False
        chosen = self._settings.current.comfyui
        return chosen.mode is ComfyUIMode.MANAGED and chosen.directory == str(
            self.installation(name).directory
        )

    def _marker(self, name: str) -> InstallMarker:
        try:
            return InstallMarker.model_validate_json((self.root / name / MARKER).read_bytes())
        except (OSError, ValidationError):
            return InstallMarker(version="?", torch_build="?", installed_at=0)

    def _next_name(self, version: str) -> str:
        taken = {entry.name for entry in self.root.iterdir()} if self.root.is_dir() else set()
        number = 1
        while f"{version}-{number}" in taken:
            number += 1
        return f"{version}-{number}"

    def _remove(self, folder: Path) -> None:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)

    def _note(self, line: str) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("a", encoding="utf-8") as out:
            out.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")

    def _run_tool(self, command: Sequence[str]) -> str | None:
        """Runs a GPU tool as a supervised child; None when it is missing, fails or hangs."""
        with tempfile.TemporaryFile() as output:
            try:
                child = self._children.spawn("gpu-detection", command, env=base_environment(), output=output)
            except OSError:
                return None
            try:
                code = child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                code = None
            finally:
                child.stop()
            if code != 0:
                return None
            output.seek(0)
            return output.read().decode("utf-8", errors="replace")


def _is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://")) and not is_loopback_host(urlsplit(url).hostname or "")


def _pip_sources(plan: InstallPlan) -> list[str]:
    if plan.wheel_folder is not None:
        return ["--no-index", "--find-links", plan.wheel_folder]
    first = plan.torch_index_url or plan.package_index or ""
    sources = ["--index-url", first]
    if plan.package_index and plan.package_index != first:
        sources += ["--extra-index-url", plan.package_index]
    return sources


def _venv_python_version(venv: Path) -> str:
    """major.minor of a venv's Python, from its pyvenv.cfg (``version_info = 3.11.7``)."""
    for line in (venv / "pyvenv.cfg").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition("=")
        if name.strip() in ("version_info", "version"):
            return ".".join(value.strip().split(".")[:2])
    return ""


class _Speed:
    """Turns download progress into events of at most a few per second, with bytes per second."""

    def __init__(self, ctx: JobContext) -> None:
        self._ctx = ctx
        self._started = time.monotonic()
        self._last = 0.0

    def report(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < 0.25 and (total is None or done < total):
            return
        self._last = now
        elapsed = max(now - self._started, 1e-3)
        self._ctx.emit(
            "install_progress",
            {"phase": "download", "done": done, "total": total, "bytes_per_s": int(done / elapsed)},
        )


class _UvProgress:
    """Size and speed while uv works: uv prints no byte progress to a log, so the folders are measured.

    ``installed_bytes`` is what is in the new environment, ``cached_bytes`` what uv fetched or
    unpacked into its cache during this step (downloads land there first); ``expected_bytes`` is the
    release pin's estimate for the step. At the end uv's own summary lines are added (packages, seconds).
    """

    INTERVAL_S = 2.0

    def __init__(self, ctx: JobContext, phase: str, venv: Path, cache: Path, expected: int) -> None:
        self._ctx = ctx
        self._phase = phase
        self._venv = venv
        self._cache = cache
        self._expected = expected
        self._started = time.monotonic()
        self._venv_before = folder_bytes(venv)
        self._cache_before = folder_bytes(cache)
        self._last = self._started

    def _measure(self, **extra: object) -> None:
        installed = max(folder_bytes(self._venv) - self._venv_before, 0)
        cached = max(folder_bytes(self._cache) - self._cache_before, 0)
        elapsed = max(time.monotonic() - self._started, 1e-3)
        self._ctx.emit(
            "install_progress",
            {
                "phase": self._phase,
                # done/total as for the download, so the progress bar needs nothing new
                "done": installed,
                "total": self._expected or None,
                "installed_bytes": installed,
                "cached_bytes": cached,
                "expected_bytes": self._expected,
                "bytes_per_s": int(max(installed, cached) / elapsed),
                "elapsed_s": round(elapsed, 1),
                **extra,
            },
        )

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.INTERVAL_S:
            self._last = now
            self._measure()

    def finish(self, printed: str) -> None:
        self._measure(finished=True, **uv_summary(printed))


def describe_for_log(plan: InstallPlan) -> str:
    return json.dumps(plan.model_dump(mode="json"))
