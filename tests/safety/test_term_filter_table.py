"""The term filter against the real lists: true positives and false positives, German and English."""

from __future__ import annotations

import pytest

from server.pipeline.safety.categories import SafetyCategory
from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import TermAction
from server.settings.safety_level import SafetyLevel

C = SafetyCategory

# (text, the text as it must be reported, category) - all must block at the kids level.
TRUE_POSITIVES: list[tuple[str, str, SafetyCategory]] = [
    # English
    ("a painting full of gore", "gore", C.VIOLENCE),
    ("a dismembered puppet", "dismembered", C.VIOLENCE),
    ("mass shooting at a mall", "mass shooting", C.VIOLENCE),
    ("Fuck this", "Fuck", C.SWEARING),
    ("what a motherfucker", "motherfucker", C.SWEARING),
    ("the word shit on a wall", "shit", C.SWEARING),
    ("you asshole", "asshole", C.SWEARING),
    ("a sexy pose", "sexy", C.SEXUAL),
    ("PORNOGRAPHY", "PORNOGRAPHY", C.SEXUAL),
    ("a hentai drawing", "hentai", C.SEXUAL),
    ("b00bs", "b00bs", C.SEXUAL),
    ("kill yourself", "kill yourself", C.SELF_HARM),
    ("how to kill myself", "how to kill myself", C.SELF_HARM),
    ("how to make a bomb at home", "how to make a bomb", C.WEAPONS),
    ("a molotov cocktail", "molotov cocktail", C.WEAPONS),
    ("cocaine on a mirror", "cocaine", C.DRUGS),
    ("smoking crack in an alley", "smoking crack", C.DRUGS),
    ("a killer clown in the dark", "killer clown", C.HORROR),
    ("a swastika flag", "swastika", C.EXTREMISM_86A),
    ("Sieg Heil!", "Sieg Heil", C.EXTREMISM_86A),
    ("HAIL VICTORY", "HAIL VICTORY", C.EXTREMISM_86A),
    ("Blood & Honour concert", "Blood & Honour", C.EXTREMISM_86A),
    ("the 14 words", "14 words", C.EXTREMISM_86A),
    ("a Combat 18 logo", "Combat 18", C.EXTREMISM_86A),
    ("hh 88 tattoo", "hh 88", C.EXTREMISM_86A),
    ("faggot", "faggot", C.HATE),
    ("white power", "white power", C.HATE),
    # German
    ("Ein Hakenkreuz an der Wand", "Hakenkreuz", C.EXTREMISM_86A),
    ("HAKENKREUZE malen", "HAKENKREUZE", C.EXTREMISM_86A),
    ("eine Hakenkreuzfahne", "Hakenkreuzfahne", C.EXTREMISM_86A),
    ("ein Riesenhakenkreuz", "Riesenhakenkreuz", C.EXTREMISM_86A),
    ("der Hitlergruß", "Hitlergruß", C.EXTREMISM_86A),
    ("Meine Ehre heißt Treue", "Meine Ehre heißt Treue", C.EXTREMISM_86A),
    ("Alles für Deutschland", "Alles für Deutschland", C.EXTREMISM_86A),
    ("SS-Runen auf der Jacke", "SS-Runen", C.EXTREMISM_86A),
    ("Jugend der NSDAP", "NSDAP", C.EXTREMISM_86A),
    ("so eine Scheiße", "Scheiße", C.SWEARING),
    ("SCHEISSE", "SCHEISSE", C.SWEARING),
    ("du Arschloch", "Arschloch", C.SWEARING),
    ("Hurensohn", "Hurensohn", C.SWEARING),
    ("ein Porno", "Porno", C.SEXUAL),
    ("Kinderpornografie", "Kinderpornografie", C.SEXUAL),
    ("Nacktbilder", "Nacktbilder", C.SEXUAL),
    ("Ich will mich umbringen", "mich umbringen", C.SELF_HARM),
    ("wie bringe ich mich um", "wie bringe ich mich um", C.SELF_HARM),
    ("kiffen auf dem Schulhof", "kiffen", C.DRUGS),
    ("Kokain", "Kokain", C.DRUGS),
    ("eine Bombe bauen", "eine Bombe bauen", C.WEAPONS),
    ("ein Blutbad im Schloss", "Blutbad", C.VIOLENCE),
    ("verstümmelte Leichen", "verstümmelte Leichen", C.VIOLENCE),
    ("Massenmörder", "Massenmörder", C.VIOLENCE),
    ("Kanaken", "Kanaken", C.HATE),
    ("Schwuchtel", "Schwuchtel", C.HATE),
    ("Kettensägenmassaker", "Kettensägenmassaker", C.HORROR),
]

# Texts that must not hit anything at the kids level, mostly because a listed word hides inside a
# harmless one, a harmless word differs only by an umlaut, or a number is just a number.
FALSE_POSITIVES: list[str] = [
    # English
    "Grassland at sunset",
    "a class of students in a glass house",
    "the assistant plays bass",
    "the mass of the sculpture",
    "an analysis of colour",
    "Scunthorpe town hall",
    "Middlesex and Sussex and Essex",
    "a sextant and a sextet",
    "the cockpit of a plane and a peacock",
    "my therapist listens",
    "grape juice on a drape",
    "scrape the paint off",
    "the heroine of the story",
    "a new method",
    "skills and skillful hands",
    "a photo shoot in the park",
    "a shooting star",
    "a fickle wind",
    "the trafficker of spices in an old tale",
    "Dickens wrote novels",
    "magna cum laude",
    "Nazareth in a Renaissance painting",
    "a painting from 1488 by a Florentine master",
    "page 88, chapter 18",
    "this flag is red",
    "Titian painted Venus and Adonis",
    "Shiitake mushrooms",
    # German
    "Grasland im Sommer",
    "Analyse des Bildes",
    "Klassenfahrt mit Passfoto",
    "Blüten im Frühling",
    "Er aß einen Apfel",
    "Die Göre lacht",
    "Ansporn und Sporn",
    "Kunstblut für das Theater",
    "eine Blutorange",
    "die Schießbude auf dem Jahrmarkt",
    "ein Akkordeon",
    "der Heilpraktiker",
    "die Siegerehrung",
    "Sigrid malt",
    "Er zog 18 Striche",
    "Waffeln mit Sahne",
    "die Gewaltenteilung",
    "Spaß haben",
    "der Scheitel",
    "die Methode",
    "hell und dunkel",
    "ein Gift für Mama",
    "Bastelbogen",
    "Rosstäuscher und Schlosser",
    "Mississippi",
]


@pytest.mark.parametrize(("text", "matched", "category"), TRUE_POSITIVES)
def test_true_positive_blocks_at_kids(
    term_filter: TermFilter, text: str, matched: str, category: SafetyCategory
) -> None:
    result = term_filter.check(text, SafetyLevel.KIDS)
    assert result.blocked, f"{text!r} was not blocked: {result.hits}"
    blocking = [hit for hit in result.blocking_hits if hit.category is category]
    assert blocking, f"{text!r}: no blocking hit of category {category}: {result.hits}"
    assert any(hit.matched_text == matched for hit in blocking), [h.matched_text for h in blocking]
    for hit in result.hits:
        assert text[hit.start : hit.end] == hit.matched_text


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_false_positive_passes(term_filter: TermFilter, text: str) -> None:
    assert term_filter.find(text, SafetyLevel.KIDS) == []


def test_tables_are_big_enough() -> None:
    assert len(TRUE_POSITIVES) >= 40
    assert len(FALSE_POSITIVES) >= 40
    assert sum(1 for _, _, c in TRUE_POSITIVES if c is C.EXTREMISM_86A) >= 10


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("sieg-heil", "sieg-heil"),
        ("sieg_heil", "sieg_heil"),
        ("siegheil", "siegheil"),
        ("S i e g  H e i l", "S i e g  H e i l"),
        ("s.i.e.g h.e.i.l", "s.i.e.g h.e.i.l"),
        ("h e i l  h i t l e r", "h e i l  h i t l e r"),
        ("Heil Hitlér", "Heil Hitlér"),
        ("HEIL HITLER", "HEIL HITLER"),
        ("h3il h1tl3r", "h3il h1tl3r"),
        ("Ha\u00adkenkreuz", "Ha\u00adkenkreuz"),  # soft hyphen
        ("Haken\u200bkreuz", "Haken\u200bkreuz"),  # zero-width space
        ("h4k3nkr3uz", "h4k3nkr3uz"),
        ("ＨＡＫＥＮＫＲＥＵＺ", "ＨＡＫＥＮＫＲＥＵＺ"),  # full-width letters
        ("Hitlergruss", "Hitlergruss"),
        ("Hitlergruß", "Hitlergruß"),
        ("Kuehnengruss", "Kuehnengruss"),
        ("Kühnengruß", "Kühnengruß"),
        ("Ku\u0308hnengruß", "Ku\u0308hnengruß"),  # ü typed as u + combining diaeresis
        ("Kuhnengruss", "Kuhnengruss"),
        ("alles fuer deutschland", "alles fuer deutschland"),
        ("meine ehre heisst treue", "meine ehre heisst treue"),
        ("14/88", "14/88"),
    ],
)
def test_normalised_forms_match_at_adult(term_filter: TermFilter, text: str, matched: str) -> None:
    hits = term_filter.find(f"… {text} …", SafetyLevel.ADULT)
    assert [hit.matched_text for hit in hits] == [matched]
    assert hits[0].category is C.EXTREMISM_86A
    assert hits[0].action is TermAction.BLOCK


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("sh1t", "sh1t"),
        ("$hit", "$hit"),
        ("@sshole", "@sshole"),
        ("f.u.c.k", "f.u.c.k"),
        ("f u c k", "f u c k"),
        ("SCHEIẞE", "SCHEIẞE"),
        ("Scheisse", "Scheisse"),
        ("n1gger", "n1gger"),
        ("verstuemmelte", "verstuemmelte"),
        ("verstümmelte", "verstümmelte"),
        ("Massenmoerder", "Massenmoerder"),
        ("pòrn", "pòrn"),  # accents other than German umlauts are dropped
    ],
)
def test_normalised_forms_block_at_kids(term_filter: TermFilter, text: str, matched: str) -> None:
    result = term_filter.check(f"ein {text} hier", SafetyLevel.KIDS)
    assert result.blocked
    assert matched in [hit.matched_text for hit in result.blocking_hits]


def test_extremism_applies_at_adult_and_nothing_else_does(term_filter: TermFilter) -> None:
    text = "Sieg Heil, shit, Porno, kill yourself, cocaine"
    hits = term_filter.find(text, SafetyLevel.ADULT)
    assert [(hit.matched_text, hit.category) for hit in hits] == [("Sieg Heil", C.EXTREMISM_86A)]


def test_youth_level_keeps_youth_lists_but_not_kids_lists(term_filter: TermFilter) -> None:
    # Issue 15 changed this text: "a sexy kid" is sexual content involving a minor and now blocks
    # at every level (minors_sexual.json), so the kids-only word here is "shit" alone.
    text = "a kid says shit, then hentai and how to kill myself"
    categories = {(hit.matched_text, hit.category) for hit in term_filter.find(text, SafetyLevel.YOUTH)}
    assert ("hentai", C.SEXUAL) in categories
    assert ("how to kill myself", C.SELF_HARM) in categories
    assert not any(matched == "shit" for matched, _ in categories)


def test_research_level_checks_nothing(term_filter: TermFilter) -> None:
    text = "Sieg Heil, Hakenkreuz, fuck, Porno, kill yourself"
    assert term_filter.find(text, SafetyLevel.RESEARCH) == []
    assert not term_filter.check(text, SafetyLevel.RESEARCH).blocked
    assert term_filter.term_count(SafetyLevel.RESEARCH) == 0


def test_review_words_do_not_block_but_ask_for_review(term_filter: TermFilter) -> None:
    result = term_filter.check("Saint George kills the dragon", SafetyLevel.KIDS)
    assert not result.blocked
    assert result.needs_review
    assert result.category is C.VIOLENCE


def test_block_wins_over_review_for_the_explanation(term_filter: TermFilter) -> None:
    result = term_filter.check("a zombie says Sieg Heil", SafetyLevel.KIDS)
    assert result.blocked
    assert result.category is C.EXTREMISM_86A


def test_hits_are_in_text_order_with_spans(term_filter: TermFilter) -> None:
    text = "Erst Scheiße, dann ein Hakenkreuz und am Ende shit."
    hits = term_filter.find(text, SafetyLevel.KIDS)
    assert [hit.matched_text for hit in hits] == ["Scheiße", "Hakenkreuz", "shit"]
    assert [hit.list_id for hit in hits] == ["kids_de", "extremism_86a", "kids_en"]
    for hit in hits:
        assert text[hit.start : hit.end] == hit.matched_text


def test_phrase_across_a_long_gap_is_not_a_phrase(term_filter: TermFilter) -> None:
    assert term_filter.find("Sieg ............ Heil", SafetyLevel.ADULT) == []


def test_empty_and_symbol_only_texts(term_filter: TermFilter) -> None:
    for text in ("", "   ", "!!!", "\u200b\u200b", "$$ @@ 88"):
        assert term_filter.find(text, SafetyLevel.KIDS) == []


@pytest.mark.parametrize(
    "text",
    [
        "Keine Drogen nehmen! Ein Plakat für die Schule",
        "don't get drunk, a poster",
        "I love shooting people in the street with my camera",
        "the witch wants to kill the children, but Gretel is clever",
        "we build a bomb shelter in the story",
    ],
)
def test_context_dependent_phrases_go_to_review_not_block(term_filter: TermFilter, text: str) -> None:
    result = term_filter.check(text, SafetyLevel.KIDS)
    assert not result.blocked, result.blocking_hits
    assert result.needs_review
