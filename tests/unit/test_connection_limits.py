"""The web server's connection limit fits the process's open-file limit, which start-up raises."""

from __future__ import annotations

import sys

import pytest

from server.wsgi_server import MAX_CONNECTIONS, OTHER_FILES, connection_limit, raise_open_file_limit


def test_the_limit_leaves_room_for_other_files_and_never_exceeds_the_maximum() -> None:
    assert connection_limit(256) == 64
    assert connection_limit(OTHER_FILES + 300) == 300
    assert connection_limit(1_000_000) == MAX_CONNECTIONS


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no open-file limit for sockets")
def test_the_open_file_limit_is_raised_towards_the_wanted_number_but_not_past_the_hard_limit() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = soft + 100 if hard == resource.RLIM_INFINITY else min(soft + 100, hard)
    assert raise_open_file_limit(wanted) >= wanted
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (max(soft, wanted), hard)
    # Never lowered.
    assert raise_open_file_limit(16) >= max(soft, wanted)
