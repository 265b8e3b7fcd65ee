"""The ComfyUI source archive: download with resume, checksum, and an unpack that stays in its folder.

A download goes to ``<name>.part`` and continues from its size after a broken connection (HTTP
Range); only a file whose sha256 matches the pin is renamed to its final name. Unpacking refuses
every member that would land outside the target (``..``, absolute paths, links, devices).
"""

from __future__ import annotations

import hashlib
import stat
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO

import httpx

from server.comfyui_install import git_tree
from server.errors import AppError, ErrorKind
from server.network.http_clients import HttpClients

CHUNK_BYTES = 1 << 20
# (bytes so far, bytes in all or None)
Progress = Callable[[int, int | None], None]
# What was unpacked as git sees it: {posix path below the target: (git mode, blob id)}.
GitEntries = dict[str, tuple[str, str]]


def sha256_of(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str | None) -> None:
    if expected is None:
        # Never unpack code nobody vouched for: the release pin or the bundle manifest names it.
        raise AppError("comfyui_install_no_checksum", ErrorKind.INVALID_INPUT, file=path.name)
    actual = sha256_of(path)
    if actual != expected:
        raise AppError("comfyui_install_checksum_mismatch", ErrorKind.FAILED, file=path.name)


def download(
    clients: HttpClients,
    url: str,
    target: Path,
    progress: Progress,
    cancelled: Callable[[], bool],
) -> Path:
    """Downloads ``url`` to ``target``, continuing a ``target.part`` left by an earlier attempt."""
    partial = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    have = partial.stat().st_size if partial.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with (
            clients.client(url, timeout=httpx.Timeout(30.0, read=60.0), follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 416 and have:
                return _finish(partial, target)  # the part file is complete already
            if response.status_code not in (200, 206):
                raise AppError(
                    "comfyui_install_download_failed", ErrorKind.UNAVAILABLE, status=response.status_code
                )
            if response.status_code == 200:
                have = 0  # the server ignored the range: start over
            length = response.headers.get("content-length")
            total = have + int(length) if length and length.isdigit() else None
            with partial.open("ab" if have else "wb") as sink:
                for chunk in response.iter_bytes():  # as received: a break keeps what arrived
                    if cancelled():
                        raise DownloadCancelledError
                    sink.write(chunk)
                    have += len(chunk)
                    progress(have, total)
    except httpx.TransportError as exc:
        from server.network.policy import OfflineBlockedError

        if isinstance(exc, OfflineBlockedError):
            raise AppError("network_offline_blocked", ErrorKind.UNAVAILABLE) from exc
        # The part file stays: the next attempt continues where this one broke off.
        raise AppError("comfyui_install_download_broken", ErrorKind.UNAVAILABLE, done=have) from exc
    return _finish(partial, target)


class DownloadCancelledError(Exception):
    pass


def _finish(partial: Path, target: Path) -> Path:
    partial.replace(target)
    return target


def unpack(archive: Path, target: Path, expected_git_tree: str | None = None) -> Path:
    """Unpacks into ``target`` (new) and returns the folder holding ``main.py``.

    With ``expected_git_tree`` the unpacked ComfyUI folder must have exactly that git tree id (the
    pinned commit's): file modes are taken from the archive's members, so the check is the same on
    Windows, where the file system keeps no executable bit.
    """
    target.mkdir(parents=True)
    entries: GitEntries = {}
    if zipfile.is_zipfile(archive):
        _unpack_zip(archive, target, entries)
    elif tarfile.is_tarfile(archive):
        _unpack_tar(archive, target, entries)
    else:
        raise AppError("comfyui_install_archive_unreadable", ErrorKind.INVALID_INPUT, file=archive.name)
    root = _comfyui_root(target)
    if expected_git_tree is not None:
        check_git_tree(entries, root.relative_to(target).as_posix(), expected_git_tree, archive.name)
    return root


def check_git_tree(entries: GitEntries, prefix: str, expected: str, file: str) -> None:
    below = "" if prefix in ("", ".") else prefix + "/"
    inside = {path[len(below) :]: entry for path, entry in entries.items() if path.startswith(below)}
    if git_tree.tree_id(inside) != expected:
        raise AppError("comfyui_install_checksum_mismatch", ErrorKind.FAILED, file=file)


def _safe_member(name: str, target: Path) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise AppError("comfyui_install_archive_unsafe", ErrorKind.INVALID_INPUT, member=name[:200])
    destination = (target / pure).resolve()
    if not destination.is_relative_to(target.resolve()):
        raise AppError("comfyui_install_archive_unsafe", ErrorKind.INVALID_INPUT, member=name[:200])
    return destination


def _copy_counting(source: IO[bytes], destination: Path, size: int) -> str:
    """Copies and returns git's blob id of what was copied (one read of the data)."""
    digest = hashlib.sha1(b"blob %d\0" % size, usedforsecurity=False)
    with destination.open("wb") as sink:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            sink.write(chunk)
    return digest.hexdigest()


def _entry_name(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).as_posix()


def _unpack_tar(archive: Path, target: Path, entries: GitEntries) -> None:
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.type in (tarfile.XGLTYPE, tarfile.XHDTYPE):
                continue  # pax headers (GitHub's names the commit): not files
            destination = _safe_member(member.name, target)
            if member.isdir():
                destination.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                if source is None:
                    continue
                with source:
                    blob = _copy_counting(source, destination, member.size)
                executable = bool(member.mode & 0o100)
                if executable:
                    destination.chmod(0o755)
                entries[_entry_name(member.name)] = (
                    git_tree.EXECUTABLE if executable else git_tree.FILE,
                    blob,
                )
            elif member.issym() or member.islnk():
                # ComfyUI's archive has no links; a link is the classic way out of the target folder.
                raise AppError(
                    "comfyui_install_archive_unsafe", ErrorKind.INVALID_INPUT, member=member.name[:200]
                )
            # devices, fifos: skipped


def _unpack_zip(archive: Path, target: Path, entries: GitEntries) -> None:
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            destination = _safe_member(info.filename, target)
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                raise AppError(
                    "comfyui_install_archive_unsafe", ErrorKind.INVALID_INPUT, member=info.filename[:200]
                )
            destination.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(info) as source:
                blob = _copy_counting(source, destination, info.file_size)
            executable = bool((info.external_attr >> 16) & 0o100)
            if executable:
                destination.chmod(0o755)
            entries[_entry_name(info.filename)] = (git_tree.EXECUTABLE if executable else git_tree.FILE, blob)


def _comfyui_root(target: Path) -> Path:
    if (target / "main.py").is_file():
        return target
    # GitHub's tag archives hold one top folder (ComfyUI-0.3.64/).
    entries = [entry for entry in target.iterdir() if not entry.name.startswith(".")]
    if len(entries) == 1 and (entries[0] / "main.py").is_file():
        return entries[0]
    raise AppError("comfyui_install_archive_not_comfyui", ErrorKind.INVALID_INPUT)
