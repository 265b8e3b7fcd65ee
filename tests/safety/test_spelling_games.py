"""Issue 15: what the term lists must stop per level, and the spelling games they must survive.

Each case names the level where it must block; all of them passed the stage-1 check before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import TermListError, load_term_lists
from server.settings.safety_level import SafetyLevel

C = SafetyCategory
KIDS, YOUTH, ADULT = SafetyLevel.KIDS, SafetyLevel.YOUTH, SafetyLevel.ADULT


def _stops(term_filter: TermFilter, text: str, level: SafetyLevel) -> bool:
    """Lists alone: review hits stop the text where the level runs a check (fail closed)."""
    result = term_filter.check(text, level)
    return result.blocked or (result.needs_review and level.runs_llm_check)


@pytest.mark.parametrize(
    "text",
    [
        "Eine Reichskriegsflagge bei einer Demo",
        "a Wolfsangel patch on a jacket",
        "the Black Sun symbol on a flag",
        "ein T-Shirt mit 88 drauf",
        "a 1488 tattoo",
        "Heil 88 und ein Totenkopf der SS",
        "Arbeit macht frei über dem Tor",
        "der Kühnengruß auf einem Foto",
        "white power and a celtic cross",
        "Adolf Hitler als strahlender Held",
        "Kämpfer mit der Flagge der Hisbollah",
        "eine Riesenhakenkreuzfahne",  # a listed stem inside a compound
        "Ha.ken.kreuz an der Wand",  # dots inside a word
        "Hаkenkreuz",  # Cyrillic а
        "Siiiieeeg Heiiiil",  # stretched letters
        "ѕwastika in chalk",  # Cyrillic ѕ
    ],
)
def test_extremist_symbols_and_codes_block_at_every_level(term_filter: TermFilter, text: str) -> None:
    for level in (KIDS, YOUTH, ADULT):
        result = term_filter.check(text, level)
        assert result.blocked, (text, level)
        assert result.category is C.EXTREMISM_86A


@pytest.mark.parametrize(
    "text",
    [
        "a sexy kid in lingerie",
        "ein nacktes Kind in einer aufreizenden Pose",
        "a 12 year old girl posing naked",
        "lolicon art",
    ],
)
def test_sexual_content_involving_minors_blocks_at_every_level(term_filter: TermFilter, text: str) -> None:
    for level in (KIDS, YOUTH, ADULT):
        result = term_filter.check(text, level)
        assert result.blocked, (text, level)
        assert result.category is C.SEXUAL


@pytest.mark.parametrize(
    "text",
    [
        "a topless woman on a bed",
        "Nackte Brüste in Großaufnahme",
        "zwei Menschen beim Geschlechtsverkehr",
        "a girl cutting her arms with a razor blade",
        "Wie kann ich mich am besten umbringen",
        "ein Teenager plant seinen Suizid",
        "a public execution in front of a crowd",
        "soldiers executing prisoners",
        "Ein Mann wird auf einem Stuhl gefoltert",
        "a man being tortured",
        "a body with its guts spilling out",
        "Eine Frau zieht eine Line Koks",
        "a s3x scene",  # leetspeak the kids lists caught, and youth did not
        "a guy getting stabbbbed to death",
    ],
)
def test_youth_level_stops_sex_self_harm_executions_torture_gore(term_filter: TermFilter, text: str) -> None:
    assert _stops(term_filter, text, YOUTH), text
    assert _stops(term_filter, text, KIDS), text
    assert not term_filter.check(text, ADULT).blocked, text


@pytest.mark.parametrize(
    "text",
    [
        "a rotting corpse climbing out of a grave",
        "Ein Skelett mit verfaulendem Fleisch",
        "a werewolf tearing a hiker apart",
        "A monster ripping a child's head off",
        "Menschen ohne Kleidung am FKK-Strand",
        "a soldier getting shot in battle",
        "Ein Haschischraucher",
    ],
)
def test_kids_level_stops_gory_horror_injuries_and_nudity(term_filter: TermFilter, text: str) -> None:
    assert _stops(term_filter, text, KIDS), text


@pytest.mark.parametrize(
    "text",
    [
        "A killer whale jumping out of the water",
        "A kid with a water pistol in the garden",
        "Blood oranges in a glass bowl",
        "Die Schlacht bei Issus als Mosaik ohne Blut",
        "A snowboarder killing it on the half pipe",
        "Ein Klavier mit 88 Tasten",
        "a painting from 1488 by a Florentine master",
        "Er zog 18 Striche",
        "Runen auf einem Wikinger-Stein in Dänemark",
        "the witch wants to kill the children, but Gretel is clever",
    ],
)
def test_harmless_words_around_listed_ones_pass_at_youth_and_kids(term_filter: TermFilter, text: str) -> None:
    assert not term_filter.check(text, YOUTH).hits, text
    assert not term_filter.check(text, KIDS).blocked, text


def test_an_exception_only_covers_its_own_place(term_filter: TermFilter) -> None:
    hits = term_filter.find("a killer whale kills a man", KIDS)
    assert [hit.matched_text for hit in hits] == ["kills"]


def test_together_needs_every_part_close_by(term_filter: TermFilter) -> None:
    near = term_filter.find("ein Aufnäher mit 88", ADULT)
    assert [(hit.term, hit.matched_text) for hit in near] == [("88 + Aufnäher", "Aufnäher mit 88")]
    far = "ein Aufnäher " + "und noch ein Wort " * 10 + "mit 88"
    assert term_filter.find(far, ADULT) == []


def _write(directory: Path, group: dict[str, Any], **extra: Any) -> None:
    data = {
        "id": "sample",
        "description": "test list",
        "levels": ["kids"],
        "languages": ["en"],
        "groups": [group],
        **extra,
    }
    (directory / "sample.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ({"category": "violence", "action": "block"}, "a group needs 'entries' or 'together'"),
        (
            {"category": "violence", "action": "block", "entries": ["x"], "together": [["a"], ["b"]]},
            "a group needs 'entries' or 'together'",
        ),
        ({"category": "violence", "action": "block", "together": [["a", "b"]]}, "at least two parts"),
        ({"category": "violence", "action": "block", "together": [["abc"], []]}, "at least two parts"),
        ({"category": "violence", "action": "block", "entries": ["*abcd*"]}, "needs at least 5 letters"),
    ],
)
def test_group_shapes_are_validated(tmp_path: Path, group: dict[str, Any], expected: str) -> None:
    _write(tmp_path, group)
    with pytest.raises(TermListError) as caught:
        load_term_lists(tmp_path)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_exceptions_are_validated_and_applied(tmp_path: Path) -> None:
    group = {"category": "violence", "action": "block", "entries": ["pain*"]}
    _write(tmp_path, group, exceptions=["a*b"])
    with pytest.raises(TermListError, match="may only stand at the start or the end"):
        load_term_lists(tmp_path)
    _write(tmp_path, group, exceptions=["painting*"])
    term_filter = TermFilter(load_term_lists(tmp_path))
    assert [hit.matched_text for hit in term_filter.find("painful paintings", KIDS)] == ["painful"]
