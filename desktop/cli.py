"""Command-line flags of the desktop program."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from server.settings.models import ComfyUIMode, ComfyUISettings, PoolMachineSettings


@dataclass(frozen=True)
class MachineInstallOptions:
    """`--install-comfyui --machine-wide`: what the admin named (else the release pin's sources)."""

    bundle_folder: Path | None = None
    archive_file: Path | None = None
    archive_sha256: str | None = None
    wheel_folder: str | None = None
    package_index: str | None = None
    cpu_only: bool = False


@dataclass(frozen=True)
class LaunchOptions:
    headless: bool
    port: int
    token: str | None
    data_dir: Path | None
    log_level: str
    # A ComfyUI for this launch only (the saved settings stay as they are).
    comfyui: ComfyUISettings | None = None
    # Install ComfyUI for every user of this PC instead of starting the app.
    machine_install: MachineInstallOptions | None = None


def parse_args(argv: list[str] | None = None) -> LaunchOptions:
    parser = argparse.ArgumentParser(
        prog="ai4artsed",
        description="AI4ArtsEd Desktop: ideas transformed by artistic attitudes into images, sound, video.",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="serve without a window and print the address (for a browser, a school server or automation)",
    )
    parser.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--token", help="fixed launch token instead of a random one (automation, tests)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="portable mode: keep settings, data and logs in this folder",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    comfyui = parser.add_mutually_exclusive_group()
    comfyui.add_argument(
        "--comfyui-dir",
        type=Path,
        help="for this launch: start and supervise the ComfyUI in this folder (settings stay unchanged)",
    )
    comfyui.add_argument(
        "--comfyui-url",
        action="append",
        help="for this launch: use the running ComfyUI at this address (settings stay unchanged); "
        "given more than once, the ComfyUIs work as one pool",
    )
    parser.add_argument(
        "--comfyui-python",
        type=Path,
        help="the Python interpreter for --comfyui-dir (default: found beside it)",
    )
    install = parser.add_argument_group("installing ComfyUI for every user (run as administrator)")
    install.add_argument(
        "--install-comfyui", action="store_true", help="install the pinned ComfyUI release, then exit"
    )
    install.add_argument(
        "--machine-wide",
        action="store_true",
        help="into the machine-wide folder (ProgramData, /opt/ai4artsed/comfyui, /Library/...)",
    )
    install.add_argument("--from-bundle", type=Path, help="a lab bundle folder (no network needed)")
    install.add_argument("--archive", type=Path, help="a ComfyUI source archive file instead of the download")
    install.add_argument(
        "--archive-sha256", help="the archive file's sha256 (else it must be the pinned commit)"
    )
    install.add_argument("--wheel-folder", help="a folder (or URL) of wheels instead of the package indexes")
    install.add_argument("--package-index", help="a package mirror (PEP 503 simple index)")
    install.add_argument("--cpu-only", action="store_true", help="the CPU build of PyTorch even with a GPU")
    args = parser.parse_args(argv)
    if args.install_comfyui and not args.machine_wide:
        parser.error("--install-comfyui needs --machine-wide (a teacher installs for themselves in the app)")
    machine_install = (
        MachineInstallOptions(
            bundle_folder=args.from_bundle,
            archive_file=args.archive,
            archive_sha256=args.archive_sha256,
            wheel_folder=args.wheel_folder,
            package_index=args.package_index,
            cpu_only=args.cpu_only,
        )
        if args.install_comfyui
        else None
    )
    if args.token is not None and len(args.token) < 16:
        parser.error("--token must be at least 16 characters long")
    if args.comfyui_python is not None and args.comfyui_dir is None:
        parser.error("--comfyui-python needs --comfyui-dir")
    return LaunchOptions(
        headless=args.headless,
        port=args.port,
        token=args.token,
        data_dir=args.data_dir,
        log_level=args.log_level,
        comfyui=comfyui_choice(args.comfyui_dir, args.comfyui_python, args.comfyui_url),
        machine_install=machine_install,
    )


def comfyui_choice(
    directory: Path | None, python: Path | None, urls: list[str] | None
) -> ComfyUISettings | None:
    if directory is not None:
        return ComfyUISettings(
            mode=ComfyUIMode.MANAGED,
            directory=str(directory.expanduser().absolute()),
            python=str(python.expanduser().absolute()) if python else None,
        )
    if urls:
        first, *more = urls
        return ComfyUISettings(
            mode=ComfyUIMode.EXTERNAL, url=first, machines=[PoolMachineSettings(url=url) for url in more]
        )
    return None


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is a number from 0 to 65535")
    return value
