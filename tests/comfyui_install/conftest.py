"""Local sources for the install tests: built once per session, served on 127.0.0.1 only."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.comfyui_install.local_sources import make_testserver_archive, make_wheel_folder, package_server

pytest.importorskip("uv", reason="the uv wheel (a dependency of the app) is not installed")


@dataclass(frozen=True)
class LocalSources:
    folder: Path
    url: str
    archive_name: str
    archive_sha256: str
    server: object

    def release(self, target: Path, **changes: object) -> Path:
        """A release pin like configs/comfyui_release.json, pointing at the local archive."""
        empty = {"index_url": f"{self.url}/no-index/", "packages": [], "size_bytes": 0}
        pin: dict[str, object] = {
            "version": "0.3.64",
            "archive": {
                "url": f"{self.url}/{self.archive_name}",
                "sha256": self.archive_sha256,
                "size_bytes": (self.folder / self.archive_name).stat().st_size,
            },
            # The path tested here: a Python uv finds (the tests' own).
            "python": sys.executable,
            "package_index": f"{self.url}/no-index/",
            # The wheels a school mirror would serve, here from 127.0.0.1.
            "wheel_folder": f"{self.url}/wheels/",
            "torch": dict.fromkeys(("cuda", "rocm", "mps", "cpu"), empty),
            "constraints": [],
            "extra_requirements": [],
        }
        pin.update(changes)
        target.write_text(json.dumps(pin), encoding="utf-8")
        return target


@pytest.fixture(scope="session")
def local_sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSources]:
    folder = tmp_path_factory.mktemp("install-sources")
    make_wheel_folder(folder / "wheels")
    sha256 = make_testserver_archive(folder / "comfyui-testserver.tar.gz")
    with package_server(folder) as server:
        yield LocalSources(folder, server.url, "comfyui-testserver.tar.gz", sha256, server)


@dataclass(frozen=True)
class PythonRuntime:
    """A python-build-standalone-shaped CPython archive served beside the other local sources."""

    file: str
    url: str
    sha256: str
    version: str
    size_bytes: int

    def pin(self) -> dict[str, object]:
        """The release file's ``python_runtime`` entry for this machine (linux x86_64 gnu)."""
        download = {"url": self.url, "sha256": self.sha256, "size_bytes": self.size_bytes}
        return {"version": self.version, "build": "test", "downloads": {"linux-x86_64-gnu": download}}


@pytest.fixture(scope="session")
def python_runtime(local_sources: LocalSources) -> PythonRuntime:
    from tests.comfyui_install.python_runtime import make_runtime_archive, runtime_version

    version = runtime_version()
    name = f"cpython-{version}+test-x86_64-unknown-linux-gnu-install_only.tar.gz"
    folder = local_sources.folder / "python-build-standalone"
    folder.mkdir(exist_ok=True)
    sha256 = make_runtime_archive(folder / name)
    url = f"{local_sources.url}/python-build-standalone/{name.replace('+', '%2B')}"
    return PythonRuntime(name, url, sha256, version, (folder / name).stat().st_size)
