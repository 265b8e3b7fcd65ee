""" "Vögeln" (dative plural of "Vogel", birds) is the same word as a vulgar verb in the youth list.

The list's exceptions name the bird contexts (after an article or preposition, in a list of nouns);
the verb still blocks where the list means it.
"""

from __future__ import annotations

import pytest

from server.pipeline.safety.term_filter import TermFilter
from server.settings.safety_level import SafetyLevel

BIRDS = [
    "Ein Baum mit Vögeln",
    "Ich füttere den Vögeln Körner",
    "Ein Teller mit Vögeln und Blumen",
    "Bordüren aus Blumen, Vögeln, Ranken und Ornamenten",
    "Ein Himmel voller kleinen Vögeln",
    "Zwischen Vögeln und Fischen schwimmt ein Boot",
]
VERB = [
    "die beiden vögeln im Bett",
    "wir wollen vögeln",
    "Lust zu vögeln",
]


@pytest.mark.parametrize("text", BIRDS)
@pytest.mark.parametrize("level", [SafetyLevel.KIDS, SafetyLevel.YOUTH])
def test_birds_in_the_dative_plural_pass(term_filter: TermFilter, text: str, level: SafetyLevel) -> None:
    assert term_filter.check(text, level).blocking_hits == []


@pytest.mark.parametrize("text", VERB)
@pytest.mark.parametrize("level", [SafetyLevel.KIDS, SafetyLevel.YOUTH])
def test_the_vulgar_verb_still_blocks(term_filter: TermFilter, text: str, level: SafetyLevel) -> None:
    assert term_filter.check(text, level).blocking_hits != []
