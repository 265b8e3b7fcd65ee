"""The bound of every paged listing's offset, so a query can never ask SQLite for the impossible.

SQLite takes 64-bit integers only; an offset of 2**63 raised OverflowError deep inside a query. No
listing holds anywhere near a billion entries, so offsets beyond that are refused as bad input.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_OFFSET = 1_000_000_000

Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
