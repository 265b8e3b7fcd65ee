"""Term list files: validation with file + field in every error, and whole-word matching rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import TermList, TermListError, load_term_lists
from server.settings.safety_level import SafetyLevel


def _list(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "sample",
        "description": "test list",
        "levels": ["kids", "youth"],
        "languages": ["en"],
        "groups": [{"category": "violence", "action": "block", "entries": ["pain", "is flag", "ass"]}],
    }
    data.update(overrides)
    return data


def _write(directory: Path, name: str, data: object) -> None:
    (directory / name).write_text(json.dumps(data), encoding="utf-8")


def _problems(directory: Path) -> list[str]:
    with pytest.raises(TermListError) as caught:
        load_term_lists(directory)
    return caught.value.problems


def test_repository_lists_load_and_cover_both_languages_and_all_levels(term_lists: list[TermList]) -> None:
    ids = {term_list.id for term_list in term_lists}
    assert {"extremism_86a", "kids_de", "kids_en", "youth_de", "youth_en"} <= ids
    languages = {language for term_list in term_lists for language in term_list.languages}
    assert languages == {"de", "en"}
    extremism = next(term_list for term_list in term_lists if term_list.id == "extremism_86a")
    assert set(extremism.levels) == {SafetyLevel.KIDS, SafetyLevel.YOUTH, SafetyLevel.ADULT}
    for term_list in term_lists:
        entries = sum(len(group.entries) for group in term_list.groups)
        assert entries >= 50, f"{term_list.id} has only {entries} entries"


def test_unknown_field_names_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, "sample.json", _list(colour="red"))
    problems = _problems(tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("sample.json: unknown field 'colour'")


def test_unknown_field_inside_a_group_names_its_path(tmp_path: Path) -> None:
    group = {"category": "violence", "action": "block", "entries": ["x-ray gun"], "severity": 3}
    _write(tmp_path, "sample.json", _list(groups=[group]))
    problems = _problems(tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("sample.json: unknown field 'groups.0.severity' (misspelt?")


def test_every_broken_file_is_reported_not_only_the_first(tmp_path: Path) -> None:
    _write(tmp_path, "one.json", _list(id="one", levels=["research"]))
    (tmp_path / "two.json").write_text("{ not json", encoding="utf-8")
    _write(tmp_path, "three.json", _list(id="three"))
    problems = _problems(tmp_path)
    assert any(p.startswith("one.json: field 'levels': 'research' checks nothing") for p in problems)
    assert any(p.startswith("two.json: not valid JSON (line 1") for p in problems)
    assert len(problems) == 2


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"id": "other"}, "field 'id' is 'other' but must be the file name, 'sample'"),
        ({"levels": []}, "field 'levels'"),
        ({"languages": ["fr"]}, "field 'languages.0'"),
        (
            {"groups": [{"category": "extremism_86a", "action": "block", "entries": ["sieg heil"]}]},
            "§86a terms apply at every level; add the missing levels: adult",
        ),
        (
            {"groups": [{"category": "gossip", "action": "block", "entries": ["x"]}]},
            "field 'groups.0.category'",
        ),
        (
            {"groups": [{"category": "other", "action": "block", "entries": ["xyz"]}]},
            "'other' is only for the LLM check",
        ),
        (
            {"groups": [{"category": "violence", "action": "maybe", "entries": ["x"]}]},
            "field 'groups.0.action'",
        ),
        (
            {"groups": [{"category": "violence", "action": "block", "entries": []}]},
            "field 'groups.0.entries'",
        ),
        (
            {"groups": [{"category": "violence", "action": "block", "entries": ["ab*"]}]},
            "needs at least 4 letters",
        ),
        (
            {"groups": [{"category": "violence", "action": "block", "entries": ["blood* bath"]}]},
            "'*' may only stand at the start or the end",
        ),
        (
            {"groups": [{"category": "violence", "action": "block", "entries": ["blood bath*"]}]},
            "a '*' entry must be a single word",
        ),
        (
            {"groups": [{"category": "violence", "action": "block", "entries": ["!!!"]}]},
            "contains no letters",
        ),
        (
            {"groups": [{"category": "violence", "action": "block", "entries": ["Blood-Bath", "bloodbath"]}]},
            "'bloodbath' overlaps 'Blood-Bath'",
        ),
        (
            {"groups": [{"category": "violence", "action": "block", "entries": ["Mörder", "moerder"]}]},
            "'moerder' overlaps 'Mörder'",
        ),
    ],
)
def test_invalid_lists_are_rejected_with_a_plain_reason(
    tmp_path: Path, overrides: dict[str, Any], expected: str
) -> None:
    _write(tmp_path, "sample.json", _list(**overrides))
    problems = _problems(tmp_path)
    assert all(problem.startswith("sample.json: ") for problem in problems)
    assert any(expected in problem for problem in problems), problems


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    assert "no term lists" in _problems(tmp_path)[0]


def test_whole_words_only(tmp_path: Path) -> None:
    _write(tmp_path, "sample.json", _list())
    term_filter = TermFilter.from_directory(tmp_path)

    def matched(text: str) -> list[str]:
        return [hit.matched_text for hit in term_filter.find(text, SafetyLevel.KIDS)]

    assert matched("a painting of a painful day") == []
    assert matched("no pain, no gain") == ["pain"]
    assert matched("this flag is blue") == []
    assert matched("it is flag day") == ["is flag"]
    assert matched("Grassland, Grasland, class, bass") == []
    assert matched("a stubborn ass") == ["ass"]
    assert matched("PAIN") == ["PAIN"]
    hit = term_filter.find("no pain", SafetyLevel.KIDS)[0]
    assert (hit.term, hit.list_id, hit.category, hit.start, hit.end) == (
        "pain",
        "sample",
        SafetyCategory.VIOLENCE,
        3,
        7,
    )
    assert term_filter.find("no pain", SafetyLevel.ADULT) == []


def test_wildcards_cover_compounds_in_both_directions(tmp_path: Path) -> None:
    groups = [{"category": "violence", "action": "review", "entries": ["blutig*", "*mord"]}]
    _write(tmp_path, "sample.json", _list(groups=groups))
    term_filter = TermFilter.from_directory(tmp_path)
    found = [
        hit.matched_text
        for hit in term_filter.find("blutige Massenmorde, Mord, Blutorange", SafetyLevel.KIDS)
    ]
    assert found == ["blutige", "Mord"]
    assert [h.matched_text for h in term_filter.find("Völkermord", SafetyLevel.KIDS)] == ["Völkermord"]
