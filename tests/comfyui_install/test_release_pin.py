"""The release is pinned by its commit's git tree id: a download is checked by what it unpacks to."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from server.comfyui_install.gpu_detection import DetectedGpu, GpuKind
from server.comfyui_install.plan import PlanChoices, load_release, make_plan
from tests.comfyui_install.conftest import LocalSources
from tests.comfyui_install.test_git_tree import _git_tree_of
from tests.comfyui_install.test_install_pipeline import PHASES, _app, _in_process, _install
from tests.support.job_events import final_state

pytestmark = [
    pytest.mark.timeout(600),
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git to compute the expected tree"),
]
REPO_ROOT = Path(__file__).resolve().parents[2]


def _tree_of_archive(archive: Path, work: Path) -> str:
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    (top,) = list(work.iterdir())
    return _git_tree_of(top)


def _tree_pinned_release(tmp_path: Path, sources: LocalSources, tree: str) -> Path:
    archive = sources.folder / sources.archive_name
    return sources.release(
        tmp_path / "release.json",
        archive={
            "url": f"{sources.url}/{sources.archive_name}",
            "commit": "a125cd84b054a57729b5eecab930ca9408719832",
            "git_tree": tree,
            "sha256": None,
            "size_bytes": archive.stat().st_size,
        },
    )


def test_a_download_pinned_only_by_its_git_tree_installs(tmp_path: Path, local_sources: LocalSources) -> None:
    tree = _tree_of_archive(local_sources.folder / local_sources.archive_name, tmp_path / "expected")
    with _app(tmp_path, _tree_pinned_release(tmp_path, local_sources, tree)) as app, app.client() as client:
        events = _install(client, local_sources)
        assert final_state(events) == "succeeded", events
        assert [event.data["phase"] for event in events if event.type == "phase"] == PHASES
        # uv's steps report size and speed: what is in the new environment, and uv's own summary.
        (summary,) = [
            event.data
            for event in events
            if event.type == "install_progress"
            and event.data["phase"] == "requirements"
            and event.data.get("finished")
            and event.data.get("installed_packages")
        ]
        installed, packages = int(str(summary["installed_bytes"])), int(str(summary["installed_packages"]))
        assert installed > 100_000 and packages >= 2
        assert summary["done"] == installed and int(str(summary["bytes_per_s"])) > 0


def test_a_download_with_another_tree_is_refused_and_deleted(
    tmp_path: Path, local_sources: LocalSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = _tree_pinned_release(tmp_path, local_sources, "bc8ceee3be4464fef05ec4009cf28ecc8839a8ea")
    with _in_process(tmp_path, monkeypatch, release) as app, app.client() as client:
        events = _install(client, local_sources)
        assert final_state(events) == "failed"
        assert [e.data["code"] for e in events if e.type == "error"] == ["comfyui_install_checksum_mismatch"]
        comfyui = app.data_dir / "data" / "comfyui"
        assert not list((comfyui / "installs").glob("*/ComfyUI")) if (comfyui / "installs").exists() else True
        assert not list((comfyui / "downloads").glob("*.archive"))  # fetched anew next time
        assert client.get("/api/settings").json()["comfyui"]["mode"] == "none"


def test_the_shipped_release_is_pinned_by_commit_and_tree(tmp_path: Path) -> None:
    release = load_release(REPO_ROOT / "configs" / "comfyui_release.json")
    commit = "a125cd84b054a57729b5eecab930ca9408719832"
    assert release.archive.commit == commit
    assert release.archive.git_tree == "bc8ceee3be4464fef05ec4009cf28ecc8839a8ea"
    assert release.archive.url == f"https://github.com/comfyanonymous/ComfyUI/archive/{commit}.tar.gz"
    cpu = DetectedGpu(kind=GpuKind.NONE)
    online = make_plan(release, cpu, PlanChoices(), tmp_path, "linux")
    assert online.archive_git_tree == release.archive.git_tree and online.archive_sha256 is None
    # An archive from IT with its own sha256 is vouched for by that; one without must be the release.
    given = make_plan(
        release, cpu, PlanChoices(archive_file="x.tgz", archive_sha256="a" * 64), tmp_path, "linux"
    )
    assert given.archive_git_tree is None and given.archive_sha256 == "a" * 64
    plain = make_plan(release, cpu, PlanChoices(archive_file="x.tgz"), tmp_path, "linux")
    assert plain.archive_git_tree == release.archive.git_tree
    assert (
        json.loads((REPO_ROOT / "configs" / "comfyui_release.json").read_text())["archive"]["sha256"] is None
    )
