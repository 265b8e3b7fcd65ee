"""Fixtures: which ComfyUI to test (the test server always, a real one when configured) and its folders."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from .comfy_launcher import ComfyKind, ComfyProcess, StateDirs, real_kind, start, testserver_kind
from .transcripts import transcripts_dir


def _kinds() -> list[object]:
    real = real_kind()
    return [
        pytest.param("testserver", id="testserver"),
        pytest.param(
            "real",
            id="real",
            marks=[
                pytest.mark.real_comfyui,
                pytest.mark.skipif(
                    real is None, reason="set COMFYUI_DIR and COMFYUI_PYTHON to test a real ComfyUI"
                ),
            ],
        ),
    ]


@pytest.fixture(params=_kinds())
def comfy_kind(request: pytest.FixtureRequest) -> ComfyKind:
    if request.param == "real":
        real = real_kind()
        assert real is not None
        return real
    return testserver_kind()


@pytest.fixture
def testserver() -> ComfyKind:
    return testserver_kind()


@pytest.fixture
def require_transcripts() -> Path:
    folder = transcripts_dir()
    if not folder.is_dir():
        # The recordings are part of the repository: their absence is a broken checkout, not a reason
        # to test less.
        pytest.fail(f"no recorded transcripts at {folder}: restore tests/comfyui_transcripts/ from git")
    return folder


@pytest.fixture
def running_testserver(testserver: ComfyKind, tmp_path: Path) -> Iterator[ComfyProcess]:
    server = start(testserver, StateDirs.create(tmp_path, testserver))
    try:
        yield server
    finally:
        server.stop()
