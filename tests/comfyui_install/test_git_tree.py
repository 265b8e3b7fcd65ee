"""Git's tree id in pure Python, checked against git itself, and the archive check built on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from server.comfyui_install import archive, git_tree
from server.errors import AppError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git to compare with")


def _git_tree_of(folder: Path) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(folder.parent)}
    for command in (["init", "-q"], ["config", "core.filemode", "true"], ["add", "-A"]):
        subprocess.run(["git", *command], cwd=folder, check=True, env=env)
    tree = subprocess.run(
        ["git", "write-tree"], cwd=folder, check=True, env=env, capture_output=True, text=True
    )
    shutil.rmtree(folder / ".git")
    return tree.stdout.strip()


def _awkward_folder(folder: Path) -> Path:
    """Names whose order differs between plain sorting and git's (a folder sorts as `name/`)."""
    (folder / "a" / "deeper").mkdir(parents=True)
    (folder / "a" / "deeper" / "leaf.txt").write_bytes(b"leaf\n")
    (folder / "a.b").write_text("dot\n")
    (folder / "a-b").write_text("dash\n")
    (folder / "a0").write_text("zero\n")
    (folder / "empty").mkdir()  # not part of a git tree
    (folder / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (folder / "run.sh").chmod(0o755)
    (folder / "link").symlink_to("a/deeper/leaf.txt")
    (folder / "Ümlaut.txt").write_bytes(b"\x00\x01binary")
    (folder / "zero-length").write_bytes(b"")
    return folder


def test_tree_id_of_a_folder_is_what_git_computes(tmp_path: Path) -> None:
    folder = _awkward_folder(tmp_path / "work")
    expected = _git_tree_of(folder)
    assert git_tree.tree_id_of_folder(folder) == expected
    assert git_tree.blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git hash-object /dev/null
    (folder / "run.sh").chmod(0o644)  # only the mode changed: another tree
    assert git_tree.tree_id_of_folder(folder) != expected


def _tar_of(folder: Path, top: str) -> Path:
    target = folder.parent / f"{top}.tar.gz"
    with tarfile.open(target, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        # GitHub's archives start with a global pax header naming the commit.
        tar.pax_headers = {"comment": "a125cd84b054a57729b5eecab930ca9408719832"}
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return target


def _comfyui_like(folder: Path) -> Path:
    (folder / "comfy" / "ldm").mkdir(parents=True)
    (folder / "main.py").write_text("print('ComfyUI')\n")
    (folder / "comfy" / "ldm" / "model.py").write_text("weights = None\n")
    (folder / "script.sh").write_text("#!/bin/sh\n")
    (folder / "script.sh").chmod(0o755)
    return folder


def test_an_unpacked_archive_must_have_the_pinned_tree(tmp_path: Path) -> None:
    source = _comfyui_like(tmp_path / "src")
    pinned = _git_tree_of(source)
    tar = _tar_of(source, "ComfyUI-a125cd8")
    root = archive.unpack(tar, tmp_path / "out1", pinned)
    assert (root / "main.py").is_file() and os.access(root / "script.sh", os.X_OK)

    (source / "comfy" / "ldm" / "model.py").write_text("weights = 'swapped'\n")
    tampered = _tar_of(source, "ComfyUI-a125cd8")
    with pytest.raises(AppError) as refused:
        archive.unpack(tampered, tmp_path / "out2", pinned)
    assert refused.value.code == "comfyui_install_checksum_mismatch"


def test_a_zip_archive_keeps_the_executable_bit_for_the_tree(tmp_path: Path) -> None:
    source = _comfyui_like(tmp_path / "src")
    pinned = _git_tree_of(source)
    target = tmp_path / "ComfyUI.zip"
    with zipfile.ZipFile(target, "w") as bundle:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"ComfyUI-main/{path.relative_to(source).as_posix()}")
            info.external_attr = (0o100000 | (path.stat().st_mode & 0o777)) << 16
            bundle.writestr(info, path.read_bytes())
    assert (archive.unpack(target, tmp_path / "out", pinned) / "main.py").is_file()


def test_a_missing_file_changes_the_tree(tmp_path: Path) -> None:
    """The local 0.3.64 snapshot lacks one large file: such an archive must not pass as the release."""
    source = _comfyui_like(tmp_path / "src")
    pinned = _git_tree_of(source)
    (source / "comfy" / "ldm" / "model.py").unlink()
    with pytest.raises(AppError):
        archive.unpack(_tar_of(source, "ComfyUI"), tmp_path / "out", pinned)
