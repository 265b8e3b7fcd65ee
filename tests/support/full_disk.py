"""A real full disk for tests: a small tmpfs mounted over a folder, then filled to the last byte.

Mounting needs root (as the tests run here and in CI); elsewhere the tests that need it are skipped
with the reason. Nothing is faked: the app gets ENOSPC from the kernel, as on a full school laptop.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

NEEDS_ROOT = (
    "a full disk is simulated with a small tmpfs, and only root can mount one (the tests run as root in CI)"
)


@contextlib.contextmanager
def small_tmpfs(folder: Path, size_kb: int = 1024) -> Iterator[Path]:
    """Mounts a tmpfs of ``size_kb`` over ``folder`` (made if missing); unmounts it afterwards."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip(NEEDS_ROOT)
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip(f"{NEEDS_ROOT}; there is no mount command")
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"{NEEDS_ROOT}; mount failed: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        # Lazy: a process that still holds a file there must not leave the mount behind.
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path, name: str = "filler.bin") -> Path:
    """Writes a file into ``folder`` until the disk has not one byte left; returns it (delete it to
    free the space again)."""
    filler = folder / name
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 8, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return filler
