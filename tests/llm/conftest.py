from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm_testserver.process import TestServerProcess


@pytest.fixture(scope="session")
def _test_server_process() -> Iterator[TestServerProcess]:
    with TestServerProcess() as server:
        yield server


@pytest.fixture
def provider(_test_server_process: TestServerProcess) -> TestServerProcess:
    """The OpenAI-compatible test server (a real child process), with its request log emptied."""
    _test_server_process.reset()
    return _test_server_process
