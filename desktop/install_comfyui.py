"""`ai4artsed --install-comfyui --machine-wide`: an admin installs ComfyUI once for every user of a PC.

It runs the app's own installer (same plan, checks, uv steps and self-test picture) without a window
or web server, with a scratch data folder that is deleted afterwards, into the machine-wide root
(server/comfyui_install/machine_wide.py). It prints the lab policy entries that point every user's app
at the install; the apps then only read it.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from desktop.cli import MachineInstallOptions
from server.comfyui_install.installer import ComfyUIInstaller
from server.comfyui_install.machine_wide import machine_comfyui_root, open_for_reading, policy_for, writable
from server.comfyui_install.plan import PlanChoices, release_file
from server.errors import AppError
from server.i18n.translator import Translator
from server.resources import Resources
from server.services import build_services
from server.settings.paths import AppPaths


def run_machine_wide_install(options: MachineInstallOptions) -> int:
    root = machine_comfyui_root()
    translator = Translator()
    if not writable(root):
        message = translator.translate(
            "comfyui_install_machine_wide_needs_admin", "en", {"folder": str(root)}
        )
        print(message, file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="ai4artsed-machine-install-"))
    paths = AppPaths.in_folder(scratch)
    resources = Resources.locate()
    services = build_services(paths, resources, None)
    try:
        installer = ComfyUIInstaller(
            paths=paths,
            release_file=release_file(resources.app_configs),
            settings=services.settings,
            connection=services.comfyui_settings,
            runtime=services.comfyui,
            jobs=services.jobs,
            children=services.children,
            network=services.network,
            machine_root=root,
        )
        choices = PlanChoices(
            archive_file=None if options.archive_file is None else str(options.archive_file),
            archive_sha256=options.archive_sha256,
            wheel_folder=options.wheel_folder,
            package_index=options.package_index,
            bundle_folder=None if options.bundle_folder is None else str(options.bundle_folder),
            cpu_only=options.cpu_only,
        )
        # The admin running this command is the consent to download (nothing else goes online).
        job = installer.start(choices, leave_offline=True)
        seq = 0
        failure = None
        while True:
            for event in job.events_after(seq, timeout=1.0):
                seq = event.seq
                if event.type == "phase":
                    print(
                        f"[{event.data['index']}/{event.data['of']}] {event.data['phase']}", file=sys.stderr
                    )
                elif event.type == "error":
                    failure = event.data
            if job.state.is_final and not job.events_after(seq, timeout=0):
                break
        if job.state.value != "succeeded":
            print(f"ComfyUI was not installed ({job.state.value}): {failure}", file=sys.stderr)
            print(f"Details: {root / 'install.log'}", file=sys.stderr)
            return 1
        current = installer.pointer().current
        assert current is not None
        open_for_reading(root)
        print(f"ComfyUI installed for all users in {root / 'installs' / current}", file=sys.stderr)
        print("Put these entries into the lab policy (docs/lab-policy.md):", file=sys.stderr)
        print(json.dumps(policy_for(root, installer.installation(current)), indent=2))
        return 0
    except AppError as exc:
        print(translator.translate(exc.code, "en", exc.params), file=sys.stderr)
        return 2
    finally:
        log_file = paths.logs_dir / "comfyui-install.log"
        if log_file.is_file():
            shutil.copyfile(log_file, root / "install.log")  # the scratch folder goes; IT keeps the log
        services.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)
