"""Finds a ComfyUI install and the Python that runs it.

Layouts we know:
- the Windows portable build: ``ComfyUI_windows_portable/ComfyUI`` with ``python_embeded/python.exe``
  beside it (a teacher may pick either folder);
- a git checkout or manual install with a ``.venv``/``venv`` inside the tree or beside it;
- any other Python, when the teacher names the interpreter.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from server.errors import AppError, ErrorKind

PORTABLE_PYTHON = ("python_embeded", "python.exe")
VENV_NAMES = (".venv", "venv")


@dataclass(frozen=True)
class ComfyUIInstallation:
    directory: Path  # the folder with main.py (the working directory of the child)
    python: Path


def looks_like_installation(folder: Path) -> bool:
    """A ComfyUI tree (its ``main.py``), or the portable build's outer folder that holds one."""
    try:
        return (folder / "main.py").is_file() or (folder / "ComfyUI" / "main.py").is_file()
    except OSError:
        return False


def locate_installation(directory: str | Path, python: str | Path | None = None) -> ComfyUIInstallation:
    """Raises AppError with a code a teacher can act on when the folder or its Python is not usable."""
    folder = Path(directory).expanduser()
    if not folder.is_dir():
        raise AppError("comfyui_folder_missing", ErrorKind.INVALID_INPUT, folder=str(folder))
    folder = folder.resolve()
    if not (folder / "main.py").is_file() and (folder / "ComfyUI" / "main.py").is_file():
        folder = folder / "ComfyUI"  # the portable build's outer folder was chosen
    if not (folder / "main.py").is_file():
        raise AppError("comfyui_not_a_comfyui_folder", ErrorKind.INVALID_INPUT, folder=str(folder))
    if python:
        interpreter = Path(python).expanduser()
        if not interpreter.is_file():
            raise AppError("comfyui_python_not_found", ErrorKind.INVALID_INPUT, python=str(interpreter))
        return ComfyUIInstallation(folder, interpreter.absolute())
    found = _python_near(folder)
    if found is None:
        raise AppError("comfyui_python_missing", ErrorKind.INVALID_INPUT, folder=str(folder))
    return ComfyUIInstallation(folder, found)


def _python_near(folder: Path) -> Path | None:
    candidates = [folder.parent.joinpath(*PORTABLE_PYTHON), folder.joinpath(*PORTABLE_PYTHON)]
    for base in (folder, folder.parent):
        for name in VENV_NAMES:
            candidates.append(_venv_python(base / name))
    for candidate in candidates:
        if candidate.is_file():
            # No resolve(): a venv's python is a symlink, and following it would leave the venv.
            return candidate.absolute()
    return None


def _venv_python(venv: Path) -> Path:
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"
