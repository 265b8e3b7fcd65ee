"""A student's nickname: a first name or a pseudonym, short, passing the safety term lists, unique.

Nothing else about a student is asked or stored. The nickname is shown on the teacher's dashboard
and possibly on the projector, so it goes through the same term lists as every idea, at the class's
safety level.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

from server.errors import AppError, ErrorKind

MAX_LENGTH = 20
# Letters of any script, digits, and what names contain (Anne-Marie, O'Neill, J. R.).
_PUNCTUATION = frozenset(" -'.")

BlockingTerms = Callable[[str], list[str]]


def clean_nickname(raw: str, blocking_terms: BlockingTerms) -> str:
    """The nickname as it will be shown, or an AppError the join page can show the student."""
    nickname = " ".join(unicodedata.normalize("NFC", raw).split())
    if not nickname:
        raise AppError("nickname_empty", ErrorKind.INVALID_INPUT)
    if len(nickname) > MAX_LENGTH:
        raise AppError("nickname_too_long", ErrorKind.INVALID_INPUT, max=MAX_LENGTH)
    if not all(char.isalnum() or char in _PUNCTUATION for char in nickname):
        raise AppError("nickname_characters", ErrorKind.INVALID_INPUT)
    if blocking_terms(nickname):
        # The terms themselves are not repeated back to a child.
        raise AppError("nickname_not_allowed", ErrorKind.INVALID_INPUT)
    return nickname


def unique_nickname(nickname: str, taken: Iterable[str]) -> str:
    """``nickname``, or with the first free suffix (``Mia 2``) when another student has it already."""
    used = {name.casefold() for name in taken}
    if nickname.casefold() not in used:
        return nickname
    number = 2
    while f"{nickname} {number}".casefold() in used:
        number += 1
    return f"{nickname} {number}"
