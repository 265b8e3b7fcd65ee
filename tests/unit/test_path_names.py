"""The one name check for URL parts and typed folders: the file systems' 255-byte limit, no control
characters, both separators for folders typed on Windows."""

from __future__ import annotations

import pytest

from server.path_names import CONTROL_CHARACTER, MAX_NAME_BYTES, NAME_TOO_LONG, name_problem, path_problem


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a" * MAX_NAME_BYTES, None),
        ("a" * (MAX_NAME_BYTES + 1), NAME_TOO_LONG),
        # Bytes count, not characters: 128 "ä" are 256 bytes in UTF-8.
        ("ä" * 127, None),
        ("ä" * 128, NAME_TOO_LONG),
        ("Bilder der Klasse 7b", None),
        ("a\x00b", CONTROL_CHARACTER),
        ("a\nb", CONTROL_CHARACTER),
        ("a\x7fb", CONTROL_CHARACTER),
        ("\udcff", None),  # a lone surrogate (undecodable bytes in a URL) is no crash
    ],
)
def test_name_problem(name: str, problem: str | None) -> None:
    assert name_problem(name) == problem


def test_path_problem_checks_every_part_at_every_separator() -> None:
    long = "a" * (MAX_NAME_BYTES + 1)
    assert path_problem(f"/api/runs/{'a' * MAX_NAME_BYTES}/detail") is None
    assert path_problem(f"/api/runs/{long}/detail") == NAME_TOO_LONG
    assert path_problem(f"C:\\Users\\{long}") == NAME_TOO_LONG  # one long part when "/" is the only separator
    assert path_problem(f"C:\\Users\\{'a' * 200}", separators="/\\") is None
    assert path_problem(f"C:\\Users\\{long}", separators="/\\") == NAME_TOO_LONG
