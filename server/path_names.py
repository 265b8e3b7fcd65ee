"""The one check of names that may become part of a file path: a URL's parts, a folder typed in.

A name longer than the file systems allow makes the operating system raise ENAMETOOLONG (an OSError
that no caller expects from ``is_dir()``), and a NUL byte makes Python refuse the path. Checked at the
boundary, such input is a plain "bad input" answer instead of a 500 deep inside a route.
"""

from __future__ import annotations

import re

# The longest file name that Linux, macOS and Windows accept (bytes in UTF-8 on Linux).
MAX_NAME_BYTES = 255

NAME_TOO_LONG = "too_long"
CONTROL_CHARACTER = "control_character"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(name: str) -> str | None:
    """What is wrong with one part of a path (``NAME_TOO_LONG``, ``CONTROL_CHARACTER``), or None."""
    if len(name.encode("utf-8", errors="surrogatepass")) > MAX_NAME_BYTES:
        return NAME_TOO_LONG
    if _CONTROL.search(name):
        return CONTROL_CHARACTER
    return None


def path_problem(path: str, separators: str = "/") -> str | None:
    """The first problem of any part of ``path`` split at each of ``separators``, or None."""
    for separator in separators[1:]:
        path = path.replace(separator, separators[0])
    for part in path.split(separators[0]):
        problem = name_problem(part)
        if problem is not None:
            return problem
    return None
