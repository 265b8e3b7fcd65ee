"""ComfyUI's Python environment, made by uv (bundled with the app) as supervised children.

uv is a program of its own that the app's network guard does not see, so it gets only what the
install plan names: explicit index URLs or a wheel folder, never the user's pip or uv configuration
(``UV_NO_CONFIG``, no inherited ``PIP_*``/``UV_*`` variables), and ``--offline`` for lab bundles.
Its cache and the Pythons it downloads stay inside the app's data folder.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.child_processes import ChildProcesses
from server.errors import AppError, ErrorKind

POLL_S = 0.2
# Variables that would carry the user's own package configuration into uv.
_FOREIGN_PREFIXES = ("UV_", "PIP_", "CONDA_", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")


def find_uv() -> Path:
    """The uv binary that ships with the app (the ``uv`` wheel; PyInstaller collects it)."""
    try:
        import uv

        return Path(uv.find_uv_bin())
    except (ImportError, FileNotFoundError) as exc:
        bundled = (
            Path(getattr(sys, "_MEIPASS", ""))
            / "uv"
            / "bin"
            / ("uv.exe" if sys.platform == "win32" else "uv")
        )
        if getattr(sys, "frozen", False) and bundled.is_file():
            return bundled
        found = shutil.which("uv")
        if found:
            return Path(found)
        raise AppError("comfyui_install_uv_missing", ErrorKind.UNAVAILABLE) from exc


@dataclass(frozen=True)
class UvSetup:
    uv: Path
    cache_dir: Path
    python_dir: Path
    offline: bool
    # Index URL(s) uv may use (first is the default index), or a wheel folder (then no index).
    index_urls: tuple[str, ...] = ()
    find_links: str | None = None

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        env = {name: value for name, value in base.items() if not name.startswith(_FOREIGN_PREFIXES)}
        env.update(
            {
                "UV_NO_CONFIG": "1",
                "UV_CACHE_DIR": str(self.cache_dir),
                "UV_PYTHON_INSTALL_DIR": str(self.python_dir),
                "UV_NO_PROGRESS": "1",
                "UV_COLOR": "never",
                "NO_COLOR": "1",
            }
        )
        if self.offline:
            env["UV_OFFLINE"] = "1"
            env["UV_PYTHON_DOWNLOADS"] = "never"
        return env

    def python_install_environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """For ``uv python install`` of a named local runtime: "manual" allows exactly that install
        (``never`` would refuse it); ``uv venv`` and ``uv pip`` keep ``never``."""
        return {**self.environment(base), "UV_PYTHON_DOWNLOADS": "manual"}

    def source_arguments(self) -> list[str]:
        if self.find_links is not None:
            return ["--no-index", "--find-links", self.find_links]
        if not self.index_urls:
            return ["--no-index"]
        arguments = ["--index-url", self.index_urls[0]]
        for extra in self.index_urls[1:]:
            arguments += ["--extra-index-url", extra]
        return arguments

    def common(self) -> list[str]:
        return ["--no-config", *(["--offline"] if self.offline else [])]


def venv_python(venv: Path) -> Path:
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def venv_command(setup: UvSetup, venv: Path, python: str, *, managed: bool = False) -> list[str]:
    # --relocatable: the side-by-side folder may be renamed after it passed its self-test.
    # --managed-python: only a Python uv installed into the app's folder (a lab bundle's runtime).
    chosen = ["--managed-python"] if managed else []
    return [str(setup.uv), "venv", *setup.common(), *chosen, "--relocatable", "--python", python, str(venv)]


def python_install_command(setup: UvSetup, downloads_json: Path, version: str) -> list[str]:
    """``uv python install`` of exactly the runtime a custom download list names (a file:// URL)."""
    return [
        str(setup.uv),
        "python",
        "install",
        *setup.common(),
        "--no-bin",
        "--no-registry",
        "--python-downloads-json-url",
        downloads_json.absolute().as_uri(),
        version,
    ]


def install_command(
    setup: UvSetup,
    venv: Path,
    packages: Sequence[str],
    *,
    requirements: Path | None = None,
    constraints: Path | None = None,
) -> list[str]:
    command = [str(setup.uv), "pip", "install", *setup.common(), "--python", str(venv_python(venv))]
    command += setup.source_arguments()
    if constraints is not None:
        command += ["--constraint", str(constraints)]
    if requirements is not None:
        command += ["--requirement", str(requirements)]
    return command + list(packages)


class UvRunner:
    """Runs one uv command at a time as a supervised child, its output appended to the install log."""

    def __init__(self, children: ChildProcesses, log_file: Path) -> None:
        self._children = children
        self._log_file = log_file

    def run(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str],
        cancelled: Callable[[], bool],
        progress: Callable[[], None] | None = None,
    ) -> str:
        """Returns what the command printed (uv's summary lines: "Installed 63 packages in 2.1s")."""
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        with self._log_file.open("ab") as log:
            log.write(f"\n$ {' '.join(command)}\n".encode())
            log.flush()
            start = log.tell()
            child = self._children.spawn(name, command, env=env, output=log)
            try:
                while child.poll() is None:
                    if cancelled():
                        raise UvCancelledError
                    if progress is not None:
                        progress()
                    time.sleep(POLL_S)
            finally:
                child.stop()
        with self._log_file.open("rb") as written:
            written.seek(start)
            printed = written.read(1 << 20).decode("utf-8", "replace")
        if child.returncode != 0:
            raise AppError(
                "comfyui_install_uv_failed", ErrorKind.FAILED, step=name, exit_code=child.returncode
            )
        return printed


_SUMMARY = re.compile(r"^(Prepared|Installed|Downloaded) (\d+) packages? in ([0-9.]+)(ms|s)\b", re.MULTILINE)


def uv_summary(printed: str) -> dict[str, object]:
    """uv's own summary ("Prepared 12 packages in 3.4s", "Installed 63 packages in 2.1s") as numbers.

    uv draws byte-level progress bars only on a terminal; a child writing to a log gets these lines.
    """
    summary: dict[str, object] = {}
    for verb, count, amount, unit in _SUMMARY.findall(printed):
        seconds = float(amount) / (1000 if unit == "ms" else 1)
        summary[f"{verb.lower()}_packages"] = int(count)
        summary[f"{verb.lower()}_s"] = round(seconds, 3)
    return summary


def folder_bytes(folder: Path) -> int:
    """Bytes of the files below ``folder`` (links not followed; missing folder: 0)."""
    total = 0
    stack = [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


class UvCancelledError(Exception):
    pass


def base_environment() -> dict[str, str]:
    return dict(os.environ)
