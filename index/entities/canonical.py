"""One name per real-world entity: normalisation, aliases, surname resolution and label votes.

spaCy finds *mentions*. Within an article, "Esper" and "Mark T. Esper" are the same man as "Mark
Esper"; across the library, "US", "U.S." and "the United States" are one country. Everything here is
plain Python over spans, so it runs at index time and can be tested without spaCy.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping, Sequence

from ..article import EntitySpan

# Numbers and dates are kept for highlighting but are not "entities" a reader browses by default.
NOISE_LABELS = frozenset({"CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY", "DATE", "TIME"})
# Which search field each label feeds.
FIELD_FOR_LABEL = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}
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


def normalise(text: str, label: str = "") -> str:
    """The comparison form of a mention: lowercase, no dots, no leading article or possessive.

    People also lose honorifics and middle initials, so "Mr. Mark T. Esper" normalises to "mark esper".
    """
    s = _SPACES.sub(" ", text.translate(_APOSTROPHES)).strip()
    s = _LEADING_ARTICLE.sub("", s)
    s = _POSSESSIVE.sub("", s) if not s.endswith("s'") else s[:-1]
    s = s.replace(".", "").strip(" -,;:'\"").lower()
    s = _SPACES.sub(" ", s)
    if label == "PERSON":
        tokens = s.split(" ")
        while len(tokens) > 1 and tokens[0] in HONORIFICS:
            tokens.pop(0)
        if len(tokens) > 2:
            tokens = [tokens[0]] + [t for t in tokens[1:-1] if len(t) > 1] + [tokens[-1]]
        s = " ".join(tokens)
    return s


@dataclass(frozen=True)
class AliasTable:
    """Normalised alias -> canonical key, plus the display name of every canonical key."""

    to_key: Mapping[str, str]
    names: Mapping[str, str]

    def key_for(self, normalised: str) -> str:
        return self.to_key.get(normalised, normalised)


def build_aliases(extra: Mapping[str, Sequence[str]] | None = None) -> AliasTable:
    """The bundled table merged with the user's ``[aliases]`` (theirs win)."""
    table = dict(_bundled_aliases())
    for name, others in (extra or {}).items():
        table[name] = list(table.get(name, [])) + list(others)
    to_key: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, others in table.items():
        key = normalise(name)
        names[key] = name
        to_key[key] = key
        for other in others:
            to_key[normalise(other)] = key
    return AliasTable(to_key, names)


@lru_cache(maxsize=1)
def _bundled_aliases() -> dict[str, list[str]]:
    text = resources.files(__package__).joinpath("aliases.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def default_aliases() -> AliasTable:
    return build_aliases()


def _vote(labels: Iterable[str]) -> str:
    counts = Counter(labels)
    return max(counts, key=lambda lab: (counts[lab], -_priority(lab)))


def _priority(label: str) -> int:
    return LABEL_PRIORITY.index(label) if label in LABEL_PRIORITY else len(LABEL_PRIORITY)


def canonicalise(spans: Sequence[EntitySpan], aliases: AliasTable | None = None) -> list[EntitySpan]:
    """Give every span of one article its canonical key and its article-level voted label.

    Rules, in order: normalise; map aliases; resolve a one-word mention to the one full name in the
    article that ends (or starts) with it; then vote each key's label over all its mentions.
    Numeric and date mentions keep their own label and are keyed by their text.
    """
    aliases = aliases or default_aliases()
    keyed: list[tuple[EntitySpan, str, str]] = []  # span, key, label
    for span in spans:
        if span.label in NOISE_LABELS:
            keyed.append((span, normalise(span.text) or span.text.lower(), span.label))
            continue
        norm = normalise(span.text, span.label)
        if not norm:
            continue
        keyed.append((span, aliases.key_for(norm), span.label))

    # Full names of people in this article, by their last and first word.
    people = {key for _, key, label in keyed if label == "PERSON" and " " in key}
    by_last: dict[str, set[str]] = defaultdict(set)
    by_first: dict[str, set[str]] = defaultdict(set)
    for full in people:
        words = full.split(" ")
        by_last[words[-1]].add(full)
        by_first[words[0]].add(full)
    resolved: list[tuple[EntitySpan, str, str]] = []
    for span, key, label in keyed:
        if label not in NOISE_LABELS and " " not in key:
            candidates = by_last.get(key) or (by_first.get(key) if label == "PERSON" else None)
            if candidates and len(candidates) == 1:
                key, label = next(iter(candidates)), "PERSON"
        resolved.append((span, key, label))

    votes: dict[str, list[str]] = defaultdict(list)
    for _, key, label in resolved:
        votes[key].append(label)
    winner = {key: _vote(labels) for key, labels in votes.items()}
    return [
        EntitySpan(span.start, span.end, label if label in NOISE_LABELS else winner[key], span.text, key)
        for span, key, label in resolved
    ]


def display_name(key: str, surfaces: Mapping[str, int], aliases: AliasTable | None = None) -> str:
    """How to show a key: the alias table's name, else its most used surface form that normalises to it."""
    aliases = aliases or default_aliases()
    if key in aliases.names:
        return aliases.names[key]
    exact = {s: n for s, n in surfaces.items() if normalise(s, "PERSON") == key or normalise(s) == key}
    pool = exact or surfaces
    if pool:
        best = max(pool, key=lambda s: (pool[s], len(s)))
        best = _LEADING_ARTICLE.sub("", best.translate(_APOSTROPHES)).strip()
        return _POSSESSIVE.sub("", best) if best.endswith("'s") else best
    return key.title()
