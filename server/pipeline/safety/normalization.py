"""How texts and list entries become comparable tokens.

Both sides go through the same folding (case, accents, invisible characters), so a match never
depends on how a word was typed. Text tokens additionally get leetspeak readings.

German letters: in a text, ä/ö/ü become ae/oe/ue and ß becomes sz, so that "Blüten" stays apart from
"bluten" and "aß" from "ass". A list entry with an umlaut or ß is looked for in every spelling a
student might type: "Mörder" as morder and moerder, "Hitlergruß" as hitlergruss and hitlergrusz.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# Soft hyphen and zero-width characters can be slipped into a word to split it invisibly;
# they belong to the word. Combining marks (a text typed in NFD) belong to the word as well.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
TOKEN_PATTERN = re.compile(r"[\w@$\u0300-\u036f\u00ad\u200b-\u200d\u2060\ufeff]+")

# Cyrillic and Greek letters that look like Latin ones, as they look (not as they are spoken).
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g", "ɑ": "a",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x",
}  # fmt: skip
_FOLD_TABLE: dict[int, str | None] = {
    **dict.fromkeys(range(0x300, 0x370)),
    **{ord(char): None for char in _INVISIBLE},
    # Letters that Unicode does not decompose into a base letter plus a mark.
    ord("ø"): "o",
    ord("đ"): "d",
    ord("ł"): "l",
    ord("ħ"): "h",
    ord("ı"): "i",
    ord("æ"): "ae",
    ord("œ"): "oe",
    ord("þ"): "th",
    ord("ŀ"): "l",
    # Homoglyphs: Cyrillic and Greek letters that look like Latin ones ("Hаkenkreuz" with a
    # Cyrillic а). A Russian or Greek word becomes nonsense Latin, which matches nothing.
    **{ord(char): latin for char, latin in _HOMOGLYPHS.items()},
}
_LEET_COMMON = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# "1" stands for i as often as for l, so a token with a 1 gets both readings.
_LEET_AS_I = str.maketrans({**_LEET_COMMON, "1": "i"})
_LEET_AS_L = str.maketrans({**_LEET_COMMON, "1": "l"})
_DROP_SYMBOLS = str.maketrans({"@": None, "$": None})
_GERMAN_LETTERS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ß": "sz", "ẞ": "sz"}
)
_ENTRY_SPELLINGS = {"ä": ("a", "ae"), "ö": ("o", "oe"), "ü": ("u", "ue"), "ß": ("ss", "sz")}
MIN_WILDCARD_STEM = 4
# "*stem*" finds a stem anywhere inside a word; that needs a longer stem than a prefix or suffix.
MIN_INFIX_STEM = 5
# Three or more of the same letter ("siiiieg", "sexyyy") are a stretched word: read as one and two.
_STRETCHED = re.compile(r"(\w)\1{2,}")


def fold(raw: str) -> str:
    """Case-folded, without accents, marks or invisible characters; German letters as described above."""
    if raw.isascii():
        return raw.lower()
    # NFC first, so that an umlaut typed as u + combining diaeresis is seen as ü.
    german = unicodedata.normalize("NFC", raw).translate(_GERMAN_LETTERS)
    return unicodedata.normalize("NFKD", german.casefold()).translate(_FOLD_TABLE)


def text_token_forms(raw: str) -> tuple[str, ...]:
    """Every reading of one token of a student's text (usually exactly one)."""
    folded = fold(raw)
    if folded.isdigit():
        return (folded,)
    if folded.isalpha():
        return _unstretched(folded) if _STRETCHED.search(folded) else (folded,)
    if not any(char.isalpha() for char in folded):
        # "$5" or "88": symbols around a number are no letters in disguise.
        digits = folded.translate(_DROP_SYMBOLS)
        return (digits,) if digits else ()
    as_i = folded.translate(_LEET_AS_I)
    as_l = folded.translate(_LEET_AS_L)
    # The unchanged form stays, so list entries with digits ("c18") still match.
    forms: tuple[str, ...] = (folded, as_i, as_l)
    if _STRETCHED.search(as_i) or _STRETCHED.search(as_l):
        forms = tuple(stretched for form in forms for stretched in _unstretched(form))
    return tuple(dict.fromkeys(forms))


def _unstretched(form: str) -> tuple[str, ...]:
    """The form as typed, with stretched letters read once and read twice ("stabbbbed": stabbed)."""
    if not _STRETCHED.search(form):
        return (form,)
    return (form, _STRETCHED.sub(r"\1", form), _STRETCHED.sub(r"\1\1", form))


def find_words(text: str) -> list[str]:
    """The word tokens of a text, without positions (the same tokens as split_words)."""
    return TOKEN_PATTERN.findall(text.replace("_", " "))


def split_words(text: str) -> list[tuple[str, int, int]]:
    """The word tokens of a text with their spans; underscores separate words like spaces do."""
    spaced = text.replace("_", " ")
    return [(match[0], *match.span()) for match in TOKEN_PATTERN.finditer(spaced)]


class EntryKind(StrEnum):
    EXACT = "exact"  # whole words, in this order
    PREFIX = "prefix"  # "hakenkreuz*": one word that starts with the stem
    SUFFIX = "suffix"  # "*mord": one word that ends with the stem
    INFIX = "infix"  # "*hakenkreuz*": one word that contains the stem anywhere (compounds)


@dataclass(frozen=True)
class ParsedEntry:
    kind: EntryKind
    # Every spelling to look for, each as a sequence of folded tokens.
    spellings: tuple[tuple[str, ...], ...]


# Each entry is parsed when its list is validated, checked for overlaps and compiled into the filter;
# the result is immutable, so the second and third time cost nothing (a start of the app parses
# every shipped entry).
@functools.lru_cache(maxsize=32_768)
def parse_entry(entry: str) -> ParsedEntry:
    """Turn a list entry into the token sequences it stands for; ValueError says what is wrong."""
    text = entry.strip()
    if not text:
        raise ValueError("an entry is empty")
    kind = EntryKind.EXACT
    if len(text) > 2 and text.startswith("*") and text.endswith("*"):
        kind = EntryKind.INFIX
        text = text[1:-1]
    elif text.endswith("*"):
        kind = EntryKind.PREFIX
        text = text[:-1]
    elif text.startswith("*"):
        kind = EntryKind.SUFFIX
        text = text[1:]
    if "*" in text:
        raise ValueError(f"'{entry}': '*' may only stand at the start or the end of an entry")
    spellings: list[tuple[str, ...]] = []
    # lower(), not casefold(): casefold would turn ß into ss before its spellings are made.
    for spelling in _german_spellings(unicodedata.normalize("NFC", text).lower()):
        tokens = tuple(folded for raw, _, _ in split_words(spelling) if (folded := fold(raw)))
        if not tokens:
            raise ValueError(f"'{entry}' contains no letters or digits")
        if kind is not EntryKind.EXACT:
            if len(tokens) != 1:
                raise ValueError(f"'{entry}': a '*' entry must be a single word")
            minimum = MIN_INFIX_STEM if kind is EntryKind.INFIX else MIN_WILDCARD_STEM
            if len(tokens[0]) < minimum:
                raise ValueError(
                    f"'{entry}': the part before or after '*' needs at least {minimum} "
                    "letters, or it would catch far too many harmless words"
                )
        spellings.append(tokens)
        joined = "".join(tokens)
        if kind is EntryKind.EXACT and len(tokens) > 1 and not joined.isdigit():
            # "s i e g h e i l" and "siegheil" arrive as one word. Not for numbers: "14/88" is a
            # code, "1488" is a year.
            spellings.append((joined,))
    return ParsedEntry(kind=kind, spellings=tuple(dict.fromkeys(spellings)))


def _german_spellings(text: str) -> list[str]:
    positions = [index for index, char in enumerate(text) if char in _ENTRY_SPELLINGS]
    if not positions:
        return [text]
    spellings = []
    for choice in itertools.product(*(_ENTRY_SPELLINGS[text[index]] for index in positions)):
        chars = list(text)
        for index, replacement in zip(positions, choice, strict=True):
            chars[index] = replacement
        spellings.append("".join(chars))
    return spellings
