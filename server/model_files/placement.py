"""Puts one file into place: a hardlink on the same file system, else a copy; verified; atomic.

The file is written under a temporary name in the target folder (one ComfyUI does not list) and
renamed at the very end, so the final name only ever holds a complete, checked file. Cancel,
a wrong checksum or a read/write error removes the temporary file: nothing half-done stays behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from server.errors import AppError, ErrorKind
from server.model_files.file_work import FileWork, Phase
from server.model_files.hashing import CHUNK_BYTES, sha256_file

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".partial"
# Left free on the target disk after a copy: a full system disk makes everything else fail.
RESERVE_BYTES = 256 * 1024 * 1024
# FAT32 (many USB sticks) cannot hold a file of 4 GiB or more.
FAT32_MAX_FILE = 4 * 1024**3 - 1


class PlacementMethod(StrEnum):
    HARDLINK = "hardlink"
    COPY = "copy"


class ChecksumMismatchError(Exception):
    def __init__(self, actual: str) -> None:
        super().__init__(actual)
        self.actual = actual


@dataclass(frozen=True)
class Placed:
    method: PlacementMethod
    sha256: str


def existing_ancestor(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(existing_ancestor(folder)).free


def same_file_system(source: Path, target_folder: Path) -> bool:
    try:
        return source.stat().st_dev == existing_ancestor(target_folder).stat().st_dev
    except OSError:
        return False


def temp_name(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}")


def remove_leftovers(folder: Path) -> int:
    """Temporary files of imports that a crash or power cut interrupted; returns how many."""
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.rglob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


def place_file(
    source: Path,
    destination: Path,
    work: FileWork,
    *,
    expected_sha256: str | None,
    known_sha256: str | None = None,
    allow_hardlink: bool = True,
) -> Placed:
    """``known_sha256``: the source's hash is already known (hashed while matching), so a hardlink
    needs no second read. Raises ChecksumMismatchError, AppError (disk problems) or the cancel."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_name(destination)
    try:
        method, digest = _link_or_copy(source, temp, work, known_sha256, allow_hardlink)
        if expected_sha256 is not None and digest != expected_sha256:
            raise ChecksumMismatchError(digest)
        work.check_cancelled()
        temp.replace(destination)
        _sync_folder(destination.parent)
        return Placed(method=method, sha256=digest)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _link_or_copy(
    source: Path, temp: Path, work: FileWork, known_sha256: str | None, allow_hardlink: bool
) -> tuple[PlacementMethod, str]:
    if allow_hardlink and same_file_system(source, temp.parent):
        try:
            os.link(source, temp)
        except OSError as error:
            # e.g. a file system without hardlinks (FAT, some network shares): copy instead.
            log.info("hardlink %s -> %s not possible (%s); copying", source, temp, error)
        else:
            size = temp.stat().st_size
            work.progress(Phase.LINK, size, size)
            digest = known_sha256 or sha256_file(temp, work, Phase.VERIFY)
            return PlacementMethod.HARDLINK, digest
    return PlacementMethod.COPY, _copy(source, temp, work)


def _copy(source: Path, temp: Path, work: FileWork) -> str:
    """Copies and hashes in one pass (the hash is of the bytes that were read and written)."""
    digest = hashlib.sha256()
    try:
        total = source.stat().st_size
        done = 0
        work.progress(Phase.COPY, 0, total)
        with source.open("rb") as reader, temp.open("xb") as writer:
            while True:
                try:
                    chunk = reader.read(CHUNK_BYTES)
                except OSError as error:
                    raise AppError(
                        "model_file_read_failed", ErrorKind.FAILED, file=source.name, detail=_why(error)
                    ) from error
                if not chunk:
                    break
                digest.update(chunk)
                writer.write(chunk)
                done += len(chunk)
                work.progress(Phase.COPY, done, total)
                work.check_cancelled()
            writer.flush()
            os.fsync(writer.fileno())
    except OSError as error:
        raise write_error(error, temp) from error
    return digest.hexdigest()


def write_error(error: OSError, target: Path) -> AppError:
    if error.errno == errno.ENOSPC:
        return AppError("model_disk_full", ErrorKind.FAILED, folder=str(target.parent))
    if error.errno == errno.EFBIG:
        return AppError("model_file_too_large_for_disk", ErrorKind.FAILED, folder=str(target.parent))
    return AppError(
        "model_file_write_failed", ErrorKind.FAILED, folder=str(target.parent), detail=_why(error)
    )


def _why(error: OSError) -> str:
    return error.strerror or str(error)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder entry is on disk (POSIX; Windows has no folder fsync).
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
