"""One name per real-world entity: normalisation, aliases, surname resolution and label votes.

spaCy finds *mentions*. Within an article, "Esper" and "Mark T. Esper" are the same man as "Mark
Esper"; across the library, "US", "U.S." and "the United States" are one country. Everything here is
plain Python over spans, so it runs at index time and can be tested without spaCy. What the library
already knows (labels voted in other articles, full names seen before) comes in through a small
``Knowledge`` object so this module never touches SQLite itself.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Collection, Iterable, Mapping, Protocol, Sequence

from ..article import EntitySpan

# Numbers and dates are kept for highlighting but are not "entities" a reader browses by default.
NOISE_LABELS = frozenset({"CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY", "DATE", "TIME"})
# Which search field each label feeds: ``place:`` is GPE + LOC + FAC, and so is the PLACE type of
# ``newsreader entities`` and the reader's places (README "Search").
FIELD_FOR_LABEL = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}


def labels_for_field(field: str) -> frozenset[str]:
    """The labels whose mentions feed search field ``field`` (``place``: GPE, LOC, FAC)."""
    return frozenset(label for label, name in FIELD_FOR_LABEL.items() if name == field)
# When votes tie, the more specific reading wins.
LABEL_PRIORITY = ["PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"]

HONORIFICS = frozenset("""
mr mrs ms miss mx dr prof sir dame lord lady madam president vice secretary minister prime senator sen rep
representative gov governor gen general col colonel lt capt captain maj major adm admiral sgt judge justice
chancellor premier king queen prince princess sheikh pope rev reverend father st saint mayor ambassador
chairman chairwoman chief commissioner deputy director dean professor
""".split())

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_POSSESSIVE = re.compile(r"(?:'s|s')$|'$")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


# Pure functions of a mention's text, called for every mention and every spelling of every entity an
# index run touches (~80 times per article); the same few thousand names come back all the time.
_CACHED = 1 << 16


@lru_cache(maxsize=_CACHED)
def _strip_frame(text: str) -> str:
    """The mention without a leading article or a trailing possessive, spacing and case untouched."""
    s = _SPACES.sub(" ", text.translate(_APOSTROPHES)).strip()
    s = _LEADING_ARTICLE.sub("", s)
    return s[:-1] if s.endswith("s'") else _POSSESSIVE.sub("", s)


@lru_cache(maxsize=_CACHED)
def normalise(text: str, label: str = "") -> str:
    """The comparison form of a mention: lowercase, no dots, no leading article or possessive.

    People also lose honorifics and middle initials, so "Mr. Mark T. Esper" normalises to "mark esper".
    """
    s = _strip_frame(text).replace(".", "").strip(" -,;:'\"").lower()
    s = _SPACES.sub(" ", s)
    if label == "PERSON":
        tokens = s.split(" ")
        while len(tokens) > 1 and tokens[0] in HONORIFICS:
            tokens.pop(0)
        if len(tokens) > 2:
            tokens = [tokens[0]] + [t for t in tokens[1:-1] if len(t) > 1] + [tokens[-1]]
        s = " ".join(tokens)
    return s


def clean_surface(text: str) -> str:
    """A spelling as shown in an alias list: "the U.S." and "U.S.'s" both show as "U.S."."""
    return _strip_frame(text).strip(" -,;:'\"")


def _is_caps(text: str) -> bool:
    letters = [c for c in _strip_frame(text) if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


@dataclass(frozen=True)
class AliasTable:
    """Normalised alias -> canonical key, the display name of every canonical key, and title fragments.

    ``acronyms`` holds normalised spellings that only count when the mention is written in capitals.
    """

    to_key: Mapping[str, str]
    names: Mapping[str, str]
    acronyms: frozenset[str] = frozenset()
    fragments: Mapping[str, frozenset[str]] = field(default_factory=dict)
    types: Mapping[str, str] = field(default_factory=dict)  # canonical key -> label it always takes

    def key_for(self, normalised: str, surface: str | None = None) -> str:
        """The canonical key; with ``surface`` given, an acronym alias needs a mention in capitals."""
        if surface is not None and normalised in self.acronyms and not _is_caps(surface):
            return normalised
        return self.to_key.get(normalised, normalised)

    def is_fragment(self, normalised: str, label: str) -> bool:
        return normalised in self.fragments.get(label, ())

    def spellings(self, key: str) -> tuple[str, ...]:
        """Every spelling the table knows for a canonical key (for search fields)."""
        return tuple(self._by_key().get(key, ()))

    def _by_key(self) -> Mapping[str, list[str]]:
        cached = self.__dict__.get("_spellings")
        if cached is None:
            cached = defaultdict(list)
            for alias, key in self.to_key.items():
                if alias != key:
                    cached[key].append(alias)
            object.__setattr__(self, "_spellings", cached)
        return cached


def build_aliases(extra: Mapping[str, Sequence[str]] | None = None) -> AliasTable:
    """The bundled table with the user's ``[aliases]`` applied after it, so theirs win any conflict."""
    bundled = _bundled()
    to_key: dict[str, str] = {}
    names: dict[str, str] = {}
    spellings: dict[str, list[str]] = defaultdict(list)  # normalised -> every written form
    for table in (bundled["aliases"], extra or {}):
        for name, others in table.items():
            key = normalise(name)
            if not key:
                continue
            if key not in names or table is not bundled["aliases"]:
                names[key] = name
            to_key[key] = key
            spellings[key].append(name)
            for other in others:
                norm = normalise(str(other))
                if norm:
                    to_key[norm] = key
                    spellings[norm].append(str(other))
    acronyms = frozenset(n for n, forms in spellings.items() if all(_is_caps(f) for f in forms))
    fragments = {label: frozenset(normalise(w) for w in words) for label, words in bundled["fragments"].items()}
    types = {to_key.get(normalise(n), normalise(n)): label for label, ns in bundled["types"].items() for n in ns}
    return AliasTable(to_key, names, acronyms, fragments, types)


@lru_cache(maxsize=1)
def _bundled() -> dict[str, dict]:
    import tomllib  # here, not at the top: the reader starts without the alias table
    from importlib import resources

    text = resources.files(__package__).joinpath("aliases.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {"aliases": data.get("aliases", {}), "fragments": data.get("fragments", {}), "types": data.get("types", {})}


@lru_cache(maxsize=1)
def default_aliases() -> AliasTable:
    return build_aliases()


class Knowledge(Protocol):
    """What the library already knows about entities, asked once per article (the catalog answers)."""

    def label_counts(self, keys: Collection[str]) -> Mapping[str, Mapping[str, int]]:
        """Mentions per label for each key, over the articles already indexed."""

    def people_by_surname(self, words: Collection[str]) -> Mapping[str, Collection[str]]:
        """For each last name, the full-name PERSON keys already indexed that end with it."""


def _vote(labels: Iterable[str]) -> str:
    counts = Counter(labels)
    return _winner(counts)


def _winner(counts: Mapping[str, int]) -> str:
    return max(counts, key=lambda lab: (counts[lab], -_priority(lab)))


def _priority(label: str) -> int:
    return LABEL_PRIORITY.index(label) if label in LABEL_PRIORITY else len(LABEL_PRIORITY)


def canonicalise(spans: Sequence[EntitySpan], aliases: AliasTable | None = None,
                 known: Knowledge | None = None) -> list[EntitySpan]:
    """Give every span of one article its canonical key and its voted label.

    Rules, in order: drop job-title fragments ("State" in "Secretary of State"); normalise; map
    aliases; resolve a one-word mention to the one full name in the article that ends (or, for a
    PERSON, starts) with it; failing that, to the one full name the library knows with that surname
    when the mention reads as a person; then vote each key's label over its mentions here and in the
    library, unless the table knows its type (countries, major bodies). Numeric and date mentions keep
    their own label and are keyed by their text.
    """
    aliases = aliases or default_aliases()
    keyed: list[tuple[EntitySpan, str, str]] = []  # span, key, label
    for span in spans:
        if span.label in NOISE_LABELS:
            keyed.append((span, normalise(span.text) or span.text.lower(), span.label))
            continue
        norm = normalise(span.text, span.label)
        if not norm or aliases.is_fragment(normalise(span.text), span.label):
            continue
        keyed.append((span, aliases.key_for(norm, span.text), span.label))
    keyed = _split_place_pairs(keyed, aliases)

    # Full names of people in this article, by their last and first word. A full name that is
    # another full name with words in front ("composer john smith") is that person with a title.
    people = {key for _, key, label in keyed if label == "PERSON" and " " in key}
    titled = {full: _known_tail(full, people) for full in people}
    titled = {full: short for full, short in titled.items() if short != full}
    if titled:
        keyed = [(span, titled.get(key, key), label) for span, key, label in keyed]
        people -= set(titled)
    by_last: dict[str, set[str]] = defaultdict(set)
    by_first: dict[str, set[str]] = defaultdict(set)
    for full in people:
        words = full.split(" ")
        by_last[words[-1]].add(full)
        by_first[words[0]].add(full)

    def resolvable(key: str, label: str) -> bool:
        # A one-word mention that is not a known country or body ("China" never becomes "Li China").
        return label not in NOISE_LABELS and " " not in key and key not in aliases.names and key not in aliases.types

    resolved: list[tuple[EntitySpan, str, str]] = []
    unresolved: dict[str, Counter] = defaultdict(Counter)
    for span, key, label in keyed:
        if resolvable(key, label):
            candidates = by_last.get(key) or (by_first.get(key) if label == "PERSON" else None)
            if candidates and len(candidates) == 1:
                key, label = next(iter(candidates)), "PERSON"
            elif not candidates:
                unresolved[key][label] += 1
        resolved.append((span, key, label))

    library_labels: Mapping[str, Mapping[str, int]] = {}
    if known is not None:
        library_labels = known.label_counts({k for _, k, lab in resolved if lab not in NOISE_LABELS})
        resolved = _resolve_from_library(resolved, unresolved, known, library_labels)

    votes: dict[str, Counter] = defaultdict(Counter)
    for _, key, label in resolved:
        if label not in NOISE_LABELS:
            votes[key][label] += 1
    for key, counts in votes.items():
        for label, n in library_labels.get(key, {}).items():
            if label not in NOISE_LABELS:
                counts[label] += n
    winner = {key: aliases.types.get(key) or _winner(counts) for key, counts in votes.items()}
    return [
        EntitySpan(span.start, span.end, label if label in NOISE_LABELS else winner[key], span.text, key)
        for span, key, label in resolved
    ]


_PAIR = re.compile(r"^([^\s\-\u2013]+(?: [^\s\-\u2013]+)?)[\-\u2013]([^\s\-\u2013]+(?: [^\s\-\u2013]+)?)$")


def _split_place_pairs(keyed, aliases: AliasTable):
    """"U.S.-India" or "China-India" as two places when both halves are places named in this article
    (or known to the alias table), so a relationship is not listed as an organisation of its own."""
    places = {key for _, key, label in keyed if label in ("GPE", "LOC")} | set(aliases.names) | set(aliases.types)
    out = []
    for span, key, label in keyed:
        m = _PAIR.match(span.text) if label in ("ORG", "GPE", "LOC", "NORP") else None
        halves = []
        if m:
            for i in (1, 2):
                part = m.group(i)
                part_key = aliases.key_for(normalise(part), part)
                halves.append((EntitySpan(span.start + m.start(i), span.start + m.end(i), "GPE", part), part_key))
        if halves and all(k in places for _, k in halves):
            out.extend((part, k, "GPE") for part, k in halves)
        else:
            out.append((span, key, label))
    return out


def _known_tail(full: str, people: set[str]) -> str:
    """The longest other full name that ``full`` ends with, else ``full``."""
    words = full.split(" ")
    for i in range(1, len(words) - 1):
        tail = " ".join(words[i:])
        if tail in people:
            return tail
    return full


def _resolve_from_library(resolved, unresolved, known: Knowledge, library_labels):
    """Bare surnames with no full name in this article: use the one full name the library knows.

    Only for a mention that reads as a person (here and in earlier articles), and only when exactly
    one known person has that surname: two Smiths in the library leave a bare "Smith" alone.
    """
    persons = []
    for key, counts in unresolved.items():
        total = Counter(counts)
        total.update(library_labels.get(key, {}))
        if _winner(total) == "PERSON":
            persons.append(key)
    if not persons:
        return resolved
    found = known.people_by_surname(persons)
    target = {key: next(iter(found[key])) for key in persons if len(found.get(key, ())) == 1}
    if not target:
        return resolved
    return [(span, target[key], "PERSON") if key in target and label not in NOISE_LABELS else (span, key, label)
            for span, key, label in resolved]


def display_name(key: str, surfaces: Mapping[str, int], aliases: AliasTable | None = None) -> str:
    """How to show a key: the alias table's name, else its most used surface form that normalises to it."""
    aliases = aliases or default_aliases()
    if key in aliases.names:
        return aliases.names[key]
    exact = {s: n for s, n in surfaces.items() if normalise(s, "PERSON") == key or normalise(s) == key}
    pool = exact or surfaces
    if pool:
        best = max(pool, key=lambda s: (pool[s], len(s)))
        return clean_surface(best) or best
    return key.title()


def alias_list(name: str, surfaces: Mapping[str, int], limit: int = 50) -> list[str]:
    """The other spellings of an entity, most used first, without "the"/possessive duplicates."""
    counts: Counter[str] = Counter()
    for surface, n in surfaces.items():
        cleaned = clean_surface(surface)
        if cleaned and cleaned.lower() != name.lower():
            counts[cleaned] += n
    return [s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]
