from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.llm_testserver.process import TestServerProcess
from tests.support.in_process import InProcessApp, in_process_app
from tests.support.settings_files import write_settings


@pytest.fixture
def app_with_llm(tmp_path: Path, llm_server: TestServerProcess) -> Iterator[Callable[..., InProcessApp]]:
    """The app in this process with every LLM stage pointed at the OpenAI-compatible test server.

    In-process (tests/support/in_process.py): the pipeline tests check what the steps send, record
    and stream, nothing of the app's process, so they need not pay its start and stop each.
    """
    with ExitStack() as started:
        count = itertools.count()

        def start(**settings: Any) -> InProcessApp:
            data_dir = tmp_path / f"app{next(count)}"
            write_settings(data_dir, base_url=llm_server.base_url, **settings)
            return started.enter_context(in_process_app(data_dir))

        llm_server.reset()
        yield start
