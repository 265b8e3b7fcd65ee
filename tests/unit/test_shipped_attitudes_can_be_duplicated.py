"""Every shipped attitude can be duplicated and saved by a teacher at every level its minimum age allows.

A teacher's first step is to duplicate a shipped attitude; if the shipped rules trip the term lists
of a level the attitude is meant for, that copy cannot be saved (this happened to ``folk_art``:
"Vögeln", the birds, read as the vulgar verb).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.catalog.live_interceptions import LiveInterceptions
from server.catalog.loader import CatalogLoader
from server.catalog.models import LocalizedText
from server.catalog.teacher_attitudes import TeacherAttitudes
from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import load_term_lists
from server.settings.safety_level import SafetyLevel

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOG = CatalogLoader(REPO_ROOT).load()
TERM_FILTER = TermFilter(load_term_lists(REPO_ROOT / "configs" / "safety" / "terms"))


def levels_for(min_age: int) -> list[SafetyLevel]:
    return [
        level
        for level in SafetyLevel
        if level.filters_terms and (level.max_age is None or level.max_age >= min_age)
    ]


CASES = [
    pytest.param(attitude_id, level, id=f"{attitude_id}-{level.value}")
    for attitude_id, config in sorted(CATALOG.interceptions.items())
    for level in levels_for(config.audience.min_age)
]


@pytest.mark.parametrize(("attitude_id", "level"), CASES)
def test_a_shipped_attitude_can_be_duplicated_and_saved(
    attitude_id: str, level: SafetyLevel, tmp_path: Path
) -> None:
    live = CATALOG.interceptions
    assert isinstance(live, LiveInterceptions)
    attitudes = TeacherAttitudes(
        live,
        tmp_path / "attitudes",
        None,
        CATALOG.llm_chunks,
        CATALOG.languages,
        lambda text: [hit.matched_text for hit in TERM_FILTER.check(text, level).blocking_hits],
    )
    attitudes.load()
    original, _ = attitudes.get(attitude_id)
    copy = original.model_copy(
        update={"name": LocalizedText(de=f"{original.name.de} (Kopie)", en=f"{original.name.en} (copy)")}
    )
    new_id = attitudes.create(copy, f"{attitude_id}_copy")
    try:
        assert (tmp_path / "attitudes" / f"{new_id}.json").is_file()
    finally:
        attitudes.delete(new_id)
