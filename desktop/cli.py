"""Command-line flags of the desktop program."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LaunchOptions:
    headless: bool
    port: int
    token: str | None
    data_dir: Path | None
    log_level: str


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
    args = parser.parse_args(argv)
    if args.token is not None and len(args.token) < 16:
        parser.error("--token must be at least 16 characters long")
    return LaunchOptions(
        headless=args.headless,
        port=args.port,
        token=args.token,
        data_dir=args.data_dir,
        log_level=args.log_level,
    )


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is a number from 0 to 65535")
    return value
