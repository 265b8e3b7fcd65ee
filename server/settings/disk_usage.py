"""How much room the app's data takes on disk, per kind, and how much is left (for the settings page)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from server.settings.paths import AppPaths


class StorageReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data_dir: str
    config_dir: str
    runs_bytes: int
    models_bytes: int
    logs_bytes: int
    # Everything in the data folder, including what the three kinds above do not cover.
    total_bytes: int
    free_bytes: int


def folder_bytes(folder: Path) -> int:
    """Bytes of the regular files under ``folder``; links are not followed (a model folder of another
    tool is reached through a link, and its files are not ours), and unreadable entries are skipped."""
    total = 0
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
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


def measure_storage(paths: AppPaths) -> StorageReport:
    try:
        free = shutil.disk_usage(paths.data_dir).free
    except OSError:
        free = 0
    return StorageReport(
        data_dir=str(paths.data_dir),
        config_dir=str(paths.config_dir),
        runs_bytes=folder_bytes(paths.runs_dir),
        models_bytes=folder_bytes(paths.models_dir),
        logs_bytes=folder_bytes(paths.logs_dir),
        total_bytes=folder_bytes(paths.data_dir),
        free_bytes=free,
    )
