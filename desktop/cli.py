"""Command-line flags of the desktop program."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from server.settings.models import ComfyUIMode, ComfyUISettings, PoolMachineSettings


@dataclass(frozen=True)
class LaunchOptions:
    headless: bool
    port: int
    token: str | None
    data_dir: Path | None
    log_level: str
    # A ComfyUI for this launch only (the saved settings stay as they are).
    comfyui: ComfyUISettings | None = None


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
    args = parser.parse_args(argv)
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
        comfyui=_comfyui_choice(args.comfyui_dir, args.comfyui_python, args.comfyui_url),
    )


def _comfyui_choice(
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
