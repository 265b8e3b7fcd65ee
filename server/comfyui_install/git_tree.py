"""Git's tree id of unpacked files, computed in pure Python (no git on a school PC).

GitHub publishes no checksum for its source archives (and their bytes are not guaranteed stable),
but a release's commit names a git tree id that is: the SHA-1 of the folder's content as git hashes
it. Recomputing it from the unpacked archive proves the files are exactly the commit's files.

Git's object format: a blob is ``sha1(b"blob <size>\\0" + data)``; a tree is
``sha1(b"tree <size>\\0" + entries)`` where each entry is ``b"<mode> <name>\\0" + 20-byte id``,
modes ``100644`` (file), ``100755`` (executable), ``120000`` (symlink: the blob is the link's
target), ``40000`` (tree), sorted by name with a folder's name compared as if it ended in ``/``.
Empty folders are not part of a git tree.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

FILE = "100644"
EXECUTABLE = "100755"
SYMLINK = "120000"
TREE = "40000"
_CHUNK = 1 << 20


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def blob_id_of_file(path: Path) -> str:
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size, usedforsecurity=False)
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def tree_id(entries: Mapping[str, tuple[str, str]]) -> str:
    """The tree id of ``{posix path: (mode, blob id)}`` (files and links only, paths relative)."""
    root: dict[str, object] = {}
    for path, entry in entries.items():
        parts = PurePosixPath(path).parts
        folder = root
        for part in parts[:-1]:
            child = folder.setdefault(part, {})
            assert isinstance(child, dict), f"{path}: a file is in the way"
            folder = child
        folder[parts[-1]] = entry
    return _hash_tree(root)


def _hash_tree(folder: Mapping[str, object]) -> str:
    rows: list[tuple[bytes, bytes]] = []
    for name, value in folder.items():
        encoded = name.encode("utf-8")
        if isinstance(value, dict):
            if not value:
                continue
            rows.append(
                (encoded + b"/", b"%s %s\0" % (TREE.encode(), encoded) + bytes.fromhex(_hash_tree(value)))
            )
        else:
            assert isinstance(value, tuple)
            mode, object_id = value
            rows.append((encoded, b"%s %s\0" % (mode.encode(), encoded) + bytes.fromhex(object_id)))
    body = b"".join(row for _, row in sorted(rows))
    return hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()


def entries_of_folder(folder: Path, skip: Iterable[str] = (".git",)) -> dict[str, tuple[str, str]]:
    """What git would add from ``folder`` (executable bit from the file system: POSIX only)."""
    skipped = set(skip)
    entries: dict[str, tuple[str, str]] = {}
    for current, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name not in skipped]
        base = Path(current)
        for name in files + [name for name in folders if (base / name).is_symlink()]:
            path = base / name
            relative = path.relative_to(folder).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                entries[relative] = (SYMLINK, blob_id(os.fsencode(path.readlink())))
            elif stat.S_ISREG(info.st_mode):
                mode = EXECUTABLE if info.st_mode & stat.S_IXUSR else FILE
                entries[relative] = (mode, blob_id_of_file(path))
    return entries


def tree_id_of_folder(folder: Path) -> str:
    return tree_id(entries_of_folder(folder))
