from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.catalog.problems import ProblemCode
from server.i18n.translator import Translator, pick_language


def test_every_catalog_problem_code_has_a_text() -> None:
    translator = Translator()
    assert [code.value for code in ProblemCode if not translator.has(code.value)] == []


def test_parameters_are_filled_and_missing_ones_stay_visible() -> None:
    translator = Translator()
    assert translator.translate("http_error", "en", {"status": 418}) == "The request failed (HTTP 418)."
    assert translator.translate("http_error", "de") == "Die Anfrage ist fehlgeschlagen (HTTP {status})."


def test_unknown_code_shows_code_and_facts() -> None:
    assert Translator().translate("no_such_code", "en", {"file": "x.json"}) == "no_such_code (file=x.json)"


def test_a_code_defined_twice_is_refused(tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps({"same": {"de": "x", "en": "y"}}), encoding="utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        Translator(tmp_path)


def test_a_message_missing_a_language_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"only_de": {"de": "x"}}), encoding="utf-8")
    with pytest.raises(ValueError):
        Translator(tmp_path)


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, "de"), ("en", "en"), ("de-DE,de;q=0.9", "de"), ("fr-FR,en;q=0.5", "en"), ("fr", "de")],
)
def test_language_is_picked_from_the_header(header: str | None, expected: str) -> None:
    assert pick_language(header, "de") == expected
