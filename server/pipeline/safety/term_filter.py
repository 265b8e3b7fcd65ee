"""The fast term filter: whole words and phrases from the term lists, found in a text.

Matching is token-based: the text is split into words once, every word is folded (case, accents,
ß, invisible characters, leetspeak), and each word is one dictionary lookup. Whole-word matching is
what keeps "painting" from matching "pain" and "Grasland" from matching "ass"; phrases must be
consecutive words, so "this flag" never contains "is flag". Letters spaced out to dodge the filter
("s i e g  h e i l") are joined back into one word before matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from server.pipeline.safety.categories import SafetyCategory, most_serious
from server.pipeline.safety.normalization import (
    MIN_INFIX_STEM,
    MIN_WILDCARD_STEM,
    EntryKind,
    find_words,
    parse_entry,
    split_words,
    text_token_forms,
)
from server.pipeline.safety.term_lists import FILTERING_LEVELS, TermAction, TermList, load_term_lists
from server.settings.safety_level import SafetyLevel

# Most characters allowed between two words of a phrase ("sieg - heil", "blood & honour").
MAX_PHRASE_GAP = 5
# Single letters count as one spaced-out word when at most this many characters separate them.
MAX_SPACED_LETTER_GAP = 3
MIN_SPACED_LETTERS = 3
# The parts of a `together` group count when they stand within this many characters (a sentence).
TOGETHER_WINDOW = 120
# Words glued by one or two marks ("Ha.ken.kreuz", "p-o-r-n", "sui*cide") are read joined as well.
_GLUED_GAP = re.compile(r"(?<=\w)[^\w\s]{1,2}(?=\w)")


class TermHit(BaseModel):
    """One list entry found in a text, with where it stands in the text as the student wrote it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str  # the entry as written in the list
    list_id: str
    category: SafetyCategory
    action: TermAction
    start: int
    end: int
    matched_text: str


class TermFilterResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: SafetyLevel
    hits: list[TermHit]

    @property
    def blocking_hits(self) -> list[TermHit]:
        return [hit for hit in self.hits if hit.action is TermAction.BLOCK]

    @property
    def blocked(self) -> bool:
        """A hit on an unambiguous term: the text stops without asking the LLM."""
        return any(hit.action is TermAction.BLOCK for hit in self.hits)

    @property
    def needs_review(self) -> bool:
        """Only context-dependent hits: the LLM check decides (where the level runs one)."""
        return not self.blocked and bool(self.hits)

    @property
    def category(self) -> SafetyCategory | None:
        """The category an explanation should name: the most serious among the deciding hits."""
        deciding = self.blocking_hits or self.hits
        return most_serious([hit.category for hit in deciding]) if deciding else None


@dataclass(frozen=True)
class _Source:
    term: str
    list_id: str
    category: SafetyCategory
    action: TermAction
    # For a part of a `together` group: which group (an index into TermFilter._combos) and part.
    combo: int | None = None
    part: int = 0
    exception: bool = False  # a harmless word or phrase: hits wholly inside its place are dropped


# One word of the text: its readings, start and end. A plain tuple: texts have hundreds of words,
# and a tuple is built in C.
_Token = tuple[tuple[str, ...], int, int]


_Candidates = list[tuple[tuple[str, ...], int]]  # (the words after the first, source index)


class _Index:
    """Every spelling of every entry that applies at one level, keyed for one lookup per word."""

    def __init__(self) -> None:
        self.exact: dict[str, _Candidates] = {}
        # Wildcard stems are keyed by their first (or last) few letters, so a word costs one lookup.
        self.prefix: dict[str, list[tuple[str, int]]] = {}
        self.suffix: dict[str, list[tuple[str, int]]] = {}
        self.infix: dict[str, list[int]] = {}
        self.infix_pattern: re.Pattern[str] | None = None
        self.size = 0

    def compile(self) -> None:
        """One regular expression for all infix stems, so a word costs one search."""
        if self.infix:
            stems = sorted(self.infix, key=len, reverse=True)
            self.infix_pattern = re.compile("|".join(re.escape(stem) for stem in stems))

    def possible_starts(self, text_forms: set[str]) -> set[str]:
        """The words of a text (folded) at which an entry may match; empty for almost every text.

        Set operations run in C, so a clean text costs a few set intersections. A phrase counts
        only when all its words occur somewhere in the text, so "how" or "the" alone cost nothing.
        """
        starts = set()
        for form in text_forms & self.exact.keys():
            if any(all(word in text_forms for word in rest) for rest, _ in self.exact[form]):
                starts.add(form)
        if self.prefix:
            keys = {form[:MIN_WILDCARD_STEM] for form in text_forms} & self.prefix.keys()
            for form in text_forms if keys else ():
                key = form[:MIN_WILDCARD_STEM]
                if key in keys and any(form.startswith(stem) for stem, _ in self.prefix[key]):
                    starts.add(form)
        if self.suffix:
            keys = {form[-MIN_WILDCARD_STEM:] for form in text_forms} & self.suffix.keys()
            for form in text_forms if keys else ():
                key = form[-MIN_WILDCARD_STEM:]
                if key in keys and any(form.endswith(stem) for stem, _ in self.suffix[key]):
                    starts.add(form)
        if self.infix_pattern is not None:
            search = self.infix_pattern.search
            starts.update(form for form in text_forms if len(form) >= MIN_INFIX_STEM and search(form))
        return starts

    def add(self, kind: EntryKind, spelling: tuple[str, ...], source: int) -> None:
        self.size += 1
        first = spelling[0]
        if kind is EntryKind.PREFIX:
            self.prefix.setdefault(first[:MIN_WILDCARD_STEM], []).append((first, source))
        elif kind is EntryKind.SUFFIX:
            self.suffix.setdefault(first[-MIN_WILDCARD_STEM:], []).append((first, source))
        elif kind is EntryKind.INFIX:
            self.infix.setdefault(first, []).append(source)
        else:
            self.exact.setdefault(first, []).append((spelling[1:], source))


class TermFilter:
    """Built once from the term lists; `check` runs for every text at stage 1 and stage 3."""

    def __init__(self, lists: Sequence[TermList]) -> None:
        self._sources: list[_Source] = []
        self._indexes: dict[SafetyLevel, _Index] = {level: _Index() for level in FILTERING_LEVELS}
        self._combo_parts: list[int] = []  # how many parts each `together` group has
        for term_list in lists:
            levels = [level for level in FILTERING_LEVELS if level.uses_list(term_list.level_set)]
            for group in term_list.groups:
                for entry in group.entries:
                    self._add(_Source(entry, term_list.id, group.category, group.action), levels)
                if group.together:
                    combo = len(self._combo_parts)
                    self._combo_parts.append(len(group.together))
                    for part, entries in enumerate(group.together):
                        for entry in entries:
                            source = _Source(
                                entry, term_list.id, group.category, group.action, combo=combo, part=part
                            )
                            self._add(source, levels)
            for entry in term_list.exceptions:
                source = _Source(entry, term_list.id, SafetyCategory.OTHER, TermAction.REVIEW, exception=True)
                self._add(source, levels)
        for index in self._indexes.values():
            index.compile()

    def _add(self, source: _Source, levels: list[SafetyLevel]) -> None:
        source_id = len(self._sources)
        self._sources.append(source)
        parsed = parse_entry(source.term)
        for spelling in parsed.spellings:
            for level in levels:
                self._indexes[level].add(parsed.kind, spelling, source_id)

    @classmethod
    def from_directory(cls, directory: Path) -> TermFilter:
        return cls(load_term_lists(directory))

    def term_count(self, level: SafetyLevel) -> int:
        """How many spellings are looked for at `level` (entries times their variants)."""
        index = self._indexes.get(level)
        return index.size if index else 0

    def check(self, text: str, level: SafetyLevel) -> TermFilterResult:
        return TermFilterResult(level=level, hits=self.find(text, level))

    def find(self, text: str, level: SafetyLevel) -> list[TermHit]:
        """All hits in `text` at `level`, in text order; none at research level."""
        index = self._indexes.get(level)
        if index is None or not text:
            return []
        # Most texts hit nothing. Folding each distinct word once and looking it up answers that
        # without building positions; only a text with a possible hit takes the full path.
        words = find_words(text)
        forms_of = {word: text_token_forms(word) for word in set(words)}
        text_forms = {form for forms in forms_of.values() for form in forms}
        starts = index.possible_starts(text_forms)
        spaced = _may_have_spaced_run(words, forms_of)
        glued = {match.start() for match in _GLUED_GAP.finditer(text)}
        if not starts and not spaced and not glued:
            return []
        start_forms = {forms for forms in forms_of.values() if not starts.isdisjoint(forms)}
        tokens = [(forms_of[word], start, end) for word, start, end in split_words(text)]
        if not all(forms for forms in forms_of.values()):
            tokens = [token for token in tokens if token[0]]
        found: dict[tuple[int, int, int], None] = {}
        self._match(tokens, index, found, start_forms)
        joined = _join_spaced_letters(text, tokens) if spaced else None
        if joined is not None:
            self._match(joined, index, found, None)
        glued_tokens = _join_glued_words(text, tokens, glued) if glued else None
        if glued_tokens is not None:
            # Only the joined words are new; the others were looked at above.
            tokens_now, joined_forms = glued_tokens
            self._match(tokens_now, index, found, joined_forms)
        if not found:
            return []
        return self._hits(text, found)

    def _hits(self, text: str, found: dict[tuple[int, int, int], None]) -> list[TermHit]:
        sources = self._sources
        exceptions = [(start, end) for start, end, source_id in found if sources[source_id].exception]
        places: list[tuple[int, int, str, _Source]] = []
        parts: list[tuple[int, int, int]] = []
        for start, end, source_id in found:
            source = sources[source_id]
            if source.exception or any(low <= start and end <= high for low, high in exceptions):
                continue
            if source.combo is None:
                places.append((start, end, source.term, source))
            else:
                parts.append((start, end, source_id))  # a single part is no hit on its own
        if parts:
            places.extend(self._together_places(parts))
        hits: dict[tuple[int, int, SafetyCategory, TermAction], TermHit] = {}
        for start, end, term, source in sorted(places, key=lambda place: place[:3]):
            # "Hakenkreuz*" and "*hakenkreuz" both find "Hakenkreuz", and "Zombie" is in the German
            # and the English list: one hit per place and meaning, from the first list loaded.
            key = (start, end, source.category, source.action)
            if key not in hits:
                hits[key] = TermHit(
                    term=term,
                    list_id=source.list_id,
                    category=source.category,
                    action=source.action,
                    start=start,
                    end=end,
                    matched_text=text[start:end],
                )
        return list(hits.values())

    def _together_places(self, found: list[tuple[int, int, int]]) -> list[tuple[int, int, str, _Source]]:
        """One place per `together` group whose parts all stand within TOGETHER_WINDOW characters;
        its term names the entries found, joined by ' + '."""
        by_combo: dict[int, list[list[tuple[int, int, int]]]] = {}
        for place in sorted(found):
            source = self._sources[place[2]]
            assert source.combo is not None
            parts = by_combo.setdefault(source.combo, [[] for _ in range(self._combo_parts[source.combo])])
            parts[source.part].append(place)
        places = []
        for parts in by_combo.values():
            if not all(parts):
                continue
            for choice in product(*parts):
                start = min(place[0] for place in choice)
                end = max(place[1] for place in choice)
                if end - start <= TOGETHER_WINDOW:
                    term = " + ".join(self._sources[place[2]].term for place in choice)
                    places.append((start, end, term, self._sources[choice[0][2]]))
                    break
        return places

    @staticmethod
    def _match(
        tokens: list[_Token],
        index: _Index,
        found: dict[tuple[int, int, int], None],
        start_forms: set[tuple[str, ...]] | None,
    ) -> None:
        """Record every entry that starts at a token; `start_forms` (if given) says which tokens can."""
        exact, prefix, suffix = index.exact, index.prefix, index.suffix
        infix, infix_pattern = index.infix, index.infix_pattern
        infix_found: dict[str, list[int]] = {}  # per word form: the infix entries inside it
        count = len(tokens)
        for position, (forms, start, token_end) in enumerate(tokens):
            if start_forms is not None and forms not in start_forms:
                continue
            for form in forms:
                candidates = exact.get(form)
                if candidates is not None:
                    for rest, source in candidates:
                        end = _phrase_end(tokens, position, rest, count)
                        if end is not None:
                            found[(start, end, source)] = None
                if len(form) >= MIN_WILDCARD_STEM:
                    for stem, source in prefix.get(form[:MIN_WILDCARD_STEM], ()):
                        if form.startswith(stem):
                            found[(start, token_end, source)] = None
                    for stem, source in suffix.get(form[-MIN_WILDCARD_STEM:], ()):
                        if form.endswith(stem):
                            found[(start, token_end, source)] = None
                if infix_pattern is not None and len(form) >= MIN_INFIX_STEM:
                    inside = infix_found.get(form)
                    if inside is None:
                        inside = infix_found[form] = (
                            [source for stem, sources in infix.items() if stem in form for source in sources]
                            if infix_pattern.search(form)
                            else []
                        )
                    for source in inside:
                        found[(start, token_end, source)] = None


def _phrase_end(tokens: list[_Token], position: int, rest: tuple[str, ...], count: int) -> int | None:
    """End offset of the phrase starting at `position`, or None when the following words differ."""
    previous_end = tokens[position][2]
    for offset, wanted in enumerate(rest, start=1):
        following = position + offset
        if following >= count:
            return None
        forms, start, end = tokens[following]
        if start - previous_end > MAX_PHRASE_GAP or wanted not in forms:
            return None
        previous_end = end
    return previous_end


def _join_spaced_letters(text: str, tokens: list[_Token]) -> list[_Token] | None:
    """The token list with each run of spaced-out single letters joined into one word; None if no run."""
    runs = list(_spaced_runs(tokens))
    if not runs:
        return None
    joined: list[_Token] = []
    position = 0
    for first, last in runs:
        joined.extend(tokens[position:first])
        letters = "".join(text[start:end] for _, start, end in tokens[first : last + 1])
        joined.append((text_token_forms(letters), tokens[first][1], tokens[last][2]))
        position = last + 1
    joined.extend(tokens[position:])
    return joined


def _join_glued_words(
    text: str, tokens: list[_Token], gaps: set[int]
) -> tuple[list[_Token], set[tuple[str, ...]]] | None:
    """The token list with each run of words glued by one or two marks joined into one word, and
    the readings of the joined words; None if no two words are glued. `gaps`: where glue starts."""
    joined: list[_Token] = []
    joined_forms: set[tuple[str, ...]] = set()
    run_start = 0
    for position in range(1, len(tokens) + 1):
        previous_end = tokens[position - 1][2]
        if position < len(tokens) and previous_end in gaps and tokens[position][1] - previous_end <= 2:
            continue
        if position - run_start > 1:
            words = "".join(text[start:end] for _, start, end in tokens[run_start:position])
            forms = text_token_forms(words)
            joined.append((forms, tokens[run_start][1], tokens[position - 1][2]))
            joined_forms.add(forms)
        else:
            joined.append(tokens[run_start])
        run_start = position
    return (joined, joined_forms) if joined_forms else None


def _may_have_spaced_run(words: list[str], forms_of: dict[str, tuple[str, ...]]) -> bool:
    """Whether MIN_SPACED_LETTERS single letters follow each other (gaps are checked later)."""
    run = 0
    for word in words:
        forms = forms_of[word]
        if not forms:
            continue  # an invisible character alone is no word, as in split_words' caller
        if len(forms[0]) == 1:
            run += 1
            if run >= MIN_SPACED_LETTERS:
                return True
        else:
            run = 0
    return False


def _spaced_runs(tokens: list[_Token]) -> Iterable[tuple[int, int]]:
    run_start: int | None = None
    for position, token in enumerate(tokens):
        single = len(token[0][0]) == 1
        if single and run_start is not None:
            gap = token[1] - tokens[position - 1][2]
            if gap > MAX_SPACED_LETTER_GAP:
                if position - run_start >= MIN_SPACED_LETTERS:
                    yield run_start, position - 1
                run_start = position
            continue
        if single:
            run_start = position
            continue
        if run_start is not None and position - run_start >= MIN_SPACED_LETTERS:
            yield run_start, position - 1
        run_start = None
    if run_start is not None and len(tokens) - run_start >= MIN_SPACED_LETTERS:
        yield run_start, len(tokens) - 1
