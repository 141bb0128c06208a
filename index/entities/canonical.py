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

# Titles that say a person's sex: "Mrs Howard" is not the Michael Howard of the same article.
FEMALE_TITLES = frozenset("mrs ms miss lady dame madam queen princess duchess baroness countess".split())
MALE_TITLES = frozenset("mr sir lord king prince duke baron count".split())
# Titles that, with a single name after them, make a name of their own: "Prince Charles" is neither a
# Mr Charles nor the Charles Kennedy of the same article.
ROYAL_TITLES = frozenset("king queen prince princess pope sheikh emperor empress duke duchess saint st".split())

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
        if len(tokens) == 2 and tokens[0] in ROYAL_TITLES:
            return s
        while len(tokens) > 1 and tokens[0] in HONORIFICS:
            tokens.pop(0)
        if len(tokens) > 2:
            tokens = [tokens[0]] + [t for t in tokens[1:-1] if len(t) > 1] + [tokens[-1]]
        s = " ".join(tokens)
    return s


@lru_cache(maxsize=_CACHED)
def title_sex(text: str) -> str:
    """"f" or "m" when the mention starts with a title that says so ("Mrs Howard"), else ""."""
    first = _strip_frame(text).split(" ", 1)[0].replace(".", "").lower()
    return "f" if first in FEMALE_TITLES else "m" if first in MALE_TITLES else ""


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
    first_words: Mapping[str, str] = field(default_factory=dict)  # "team" -> ORG: "Team GB" is an ORG
    last_words: Mapping[str, str] = field(default_factory=dict)  # "party" -> ORG: "Labour Party" is one
    not_names: frozenset[str] = frozenset()  # "gmt": never an entity, whatever spaCy says

    def kind_of(self, key: str) -> str | None:
        """The type a name's kind gives it: a listed name, or a word a kind of thing is named with
        ("* United" is a club, "Team *" a team); None when the knowledge file does not say."""
        found = self.types.get(key)
        if found or " " not in key:
            return found
        first, _, rest = key.partition(" ")
        return self.last_words.get(rest.rsplit(" ", 1)[-1]) or self.first_words.get(first)

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


def build_aliases(extra: Mapping[str, Sequence[str]] | None = None,
                  extra_types: Mapping[str, Sequence[str]] | None = None) -> AliasTable:
    """The bundled table with the user's ``[aliases]`` and ``[types]`` applied after it, so theirs win."""
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
    types: dict[str, str] = {}
    first_words: dict[str, str] = {}
    last_words: dict[str, str] = {}
    not_names: set[str] = set()
    for table in (bundled["types"], extra_types or {}):
        for label, entries in table.items():
            label = str(label).upper()
            for entry in entries:
                entry = str(entry).strip()
                if entry.startswith("* ") or entry.endswith(" *"):
                    word = normalise(entry.strip("* "))
                    (last_words if entry.startswith("* ") else first_words)[word] = label
                elif label == "NONE":
                    not_names.add(normalise(entry))
                elif normalise(entry):
                    types[to_key.get(normalise(entry), normalise(entry))] = label
    return AliasTable(to_key, names, acronyms, fragments, types, first_words, last_words, frozenset(not_names))


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

    def sexes(self, keys: Collection[str]) -> Mapping[str, str]:
        """"f" or "m" for the people whose titles in the library say so clearly (optional)."""


def _vote(labels: Iterable[str]) -> str:
    counts = Counter(labels)
    return _winner(counts)


def _winner(counts: Mapping[str, int]) -> str:
    return max(counts, key=lambda lab: (counts[lab], -_priority(lab)))


def _priority(label: str) -> int:
    return LABEL_PRIORITY.index(label) if label in LABEL_PRIORITY else len(LABEL_PRIORITY)


# Closed-class words (sentence adverbs, conjunctions, prepositions) that a sentence or headline starts
# with and spaCy sometimes takes into the name after them ("Nevertheless Franz Ferdinand").
_LEAD_WORDS = frozenset("""
nevertheless however meanwhile moreover furthermore nonetheless instead also still yet but and or so then thus
hence therefore indeed besides otherwise now today yesterday tonight tomorrow after before as if when while
whilst since until unless although though because despite including like with without via per from for by
at in on of to into onto upon over under between among amid against toward towards about above below
""".split())
# Where one span holds two names: "Brentford v Manchester United", "Lennon - McCartney", line breaks.
_SPLIT = re.compile(r"\s+(?:v|vs|v\.|vs\.|versus)\s+|\s+[-\u2013\u2014]+\s+|[\u2013\u2014]|\s*[\r\n|\u2022\u00b7()\[\]]+\s*")
# A site's label in front of a name: "Source:- Reuters", "Photo: Jane Doe", "READ MORE: ...".
_PREFIX = re.compile(r"^.*[:>\u00bb]\s*[-\u2013\u2014]*\s*")
_EDGE = " \t-\u2013\u2014,;:!?\"'\u2018\u2019\u201c\u201d*#/\\|()[]{}<>_=+~^"


_TITLE_BEFORE = re.compile(r"(?:^|(?<=[\s(\"'\u2018\u201c]))(Mrs|Mr|Ms|Miss|Dr|Sir|Lady|Lord|Dame)\.?\s$")


def repair_spans(spans: Iterable[EntitySpan], text: str | None = None) -> list[EntitySpan]:
    """Spans as names: boilerplate prefixes, leading connectives and stray punctuation cut off, spans
    holding two names split, and what is left dropped when it cannot be a name (no capital letter or
    digit, a single letter). With the article's ``text``, a person's title just before the span ("Mr"
    in "Mr Howard", which the model leaves out) is taken in, so the title's sex is known. Offsets move
    with the text, so highlighting still lines up."""
    out: list[EntitySpan] = []
    for span in spans:
        if span.label in NOISE_LABELS:
            out.append(span)
            continue
        for start, piece in _pieces(span.start, span.text):
            if text is not None and span.label == "PERSON" and start == span.start:
                m = _TITLE_BEFORE.search(text, max(0, start - 6), start)
                if m and text[start:start + len(piece)] == piece:
                    start, piece = m.start(1), text[m.start(1):start + len(piece)]
            out.append(EntitySpan(start, start + len(piece), span.label, piece, span.key))
    return out


def _pieces(start: int, text: str) -> list[tuple[int, str]]:
    m = _PREFIX.match(text)
    if m and any(c.isalpha() for c in text[m.end():]):
        start, text = start + m.end(), text[m.end():]
    found = []
    pos = 0
    for cut in [*_SPLIT.finditer(text), None]:
        end = cut.start() if cut else len(text)
        piece = _trim(start + pos, text[pos:end])
        if piece is not None:
            found.append(piece)
        if cut:
            pos = cut.end()
    return found


def _trim(start: int, text: str) -> tuple[int, str] | None:
    left = len(text) - len(text.lstrip(_EDGE))
    text = text.strip(_EDGE)
    start += left
    # Leading connectives, unless that leaves nothing ("And" alone is left for the checks below).
    while " " in text:
        head, rest = text.split(" ", 1)
        if head.lower() not in _LEAD_WORDS:
            break
        start, text = start + len(head) + 1, rest.lstrip()
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 and not any(c.isdigit() for c in text):
        return None
    if not any(c.isupper() or c.isdigit() for c in text):
        return None
    if text.lower() in _LEAD_WORDS:
        return None
    return start, text


def canonicalise(spans: Sequence[EntitySpan], aliases: AliasTable | None = None,
                 known: Knowledge | None = None, text: str | None = None) -> list[EntitySpan]:
    """Give every span of one article its canonical key and its voted label.

    Rules, in order: repair the spans (``repair_spans``); drop job-title fragments ("State" in
    "Secretary of State"); normalise; map aliases; an acronym the article defines ("Islamic State of
    Iraq and the Levant (ISIL)") joins its long form; a span that is another name here with words glued
    in front ("Warns Jane Doe") is cut to that name; a one-word mention resolves to the one full name in
    the article that ends (or, for a PERSON, starts) with it, unless a title says it is someone of the
    other sex ("Mrs Doe" next to a Mr Doe); then vote each key's label over its mentions here and in
    the library, unless the knowledge file knows its type. What is left partial (a surname with no full
    name here) is resolved library-wide by the catalog, which can change its mind as articles come and
    go. Numeric and date mentions keep their own label and are keyed by their text.
    """
    aliases = aliases or default_aliases()
    keyed: list[tuple[EntitySpan, str, str]] = []  # span, key, label
    for span in repair_spans(spans, text):
        if span.label in NOISE_LABELS:
            keyed.append((span, normalise(span.text) or span.text.lower(), span.label))
            continue
        norm = normalise(span.text, span.label)
        if not norm or aliases.is_fragment(normalise(span.text), span.label) or norm in aliases.not_names:
            continue
        keyed.append((span, aliases.key_for(norm, span.text), span.label))
    keyed = _split_place_pairs(keyed, aliases)
    keyed = _middle_initials_apart(keyed)
    keyed = _defined_acronyms(keyed)
    keyed = _cut_glued_heads(keyed)

    # Full names of people in this article, by their last and first word. A full name that is
    # another full name with words in front ("composer john smith") is that person with a title.
    people = {key for _, key, label in keyed
              if label == "PERSON" and " " in key and aliases.kind_of(key) in (None, "PERSON")}
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
        if words[0] not in ROYAL_TITLES:
            by_first[words[0]].add(full)

    def resolvable(key: str, label: str) -> bool:
        # A one-word mention that is not a known country or body ("China" never becomes "Li China").
        return (label not in NOISE_LABELS and " " not in key and key not in aliases.names
                and key not in aliases.types and aliases.kind_of(key) is None)

    # Which sex each full name's titled mentions here give it: the sex most of them say wins, and
    # titled mentions of the other sex are someone else (his wife, her father).
    sexes: dict[str, Counter] = defaultdict(Counter)
    for span, key, label in keyed:
        sex = title_sex(span.text) if label == "PERSON" and resolvable(key, label) else ""
        if sex and len(by_last.get(key, ())) == 1:
            sexes[next(iter(by_last[key]))][sex] += 1

    library_sex: Mapping[str, str] = {}
    titled_names = {key for span, key, label in keyed if label == "PERSON" and title_sex(span.text)}
    if known is not None and titled_names and hasattr(known, "sexes"):
        library_sex = known.sexes({full for full in people if full.split(" ")[-1] in titled_names})
    resolved: list[tuple[EntitySpan, str, str]] = []
    for span, key, label in keyed:
        if resolvable(key, label):
            sex = title_sex(span.text) if label == "PERSON" else ""
            if sex:  # a title reads as a surname: "Mr Charles" is not Charles Kennedy
                candidates = by_last.get(key)
            else:
                candidates = by_last.get(key) or (by_first.get(key) if label == "PERSON" else None)
            if candidates and len(candidates) == 1:
                full = next(iter(candidates))
                said = sexes.get(full)
                # A woman's title joins a full name only when the library knows her as a woman: in the
                # news a full name next to "Mrs Doe" is as often her husband's.
                apart = sex and (library_sex.get(full) == _OTHER_SEX[sex]
                                 or (said and said[sex] < said[_OTHER_SEX[sex]])
                                 or (sex == "f" and library_sex.get(full) != "f"))
                if not apart:
                    key, label = full, "PERSON"
                elif sex == "f":
                    key, label = f"mrs {key}", "PERSON"
            elif sex == "f":
                key, label = f"mrs {key}", "PERSON"  # kept apart from the men of that name
        resolved.append((span, key, label))

    library_labels: Mapping[str, Mapping[str, int]] = {}
    if known is not None:
        library_labels = known.label_counts({k for _, k, lab in resolved if lab not in NOISE_LABELS})

    votes: dict[str, Counter] = defaultdict(Counter)
    for _, key, label in resolved:
        if label not in NOISE_LABELS:
            votes[key][label] += 1
    for key, counts in votes.items():
        for label, n in library_labels.get(key, {}).items():
            if label not in NOISE_LABELS:
                counts[label] += n
    winner = {key: aliases.types.get(key) or aliases.kind_of(key) or _winner(counts) for key, counts in votes.items()}
    return [
        EntitySpan(span.start, span.end, label if label in NOISE_LABELS else winner[key], span.text, key)
        for span, key, label in resolved
    ]


def search_hints(spans: Sequence[EntitySpan], known: Knowledge) -> dict[str, str]:
    """Full names to index a bare surname under as well, so ``person:"Mike Pompeo"`` finds an article
    that only says "Pompeo": the one person the library knows with that surname. Only a search hint;
    which entity the mention is listed as is the catalog's decision, made and remade at each commit."""
    bare = {s.key for s in spans if s.label == "PERSON" and s.key and " " not in s.key}
    if not bare:
        return {}
    found = known.people_by_surname(bare)
    return {key: next(iter(found[key])) for key in bare if len(found.get(key, ())) == 1}


_OTHER_SEX = {"f": "m", "m": "f"}
_ACRONYM = re.compile(r"^[A-Z][A-Za-z&]{1,9}$")


def _with_initials(text: str) -> str:
    """A person's name with its middle initials kept: "George H. W. Bush" -> "george h w bush"."""
    words = _strip_frame(text).replace(".", " ").lower().split()
    while len(words) > 1 and words[0] in HONORIFICS:
        words.pop(0)
    return " ".join(words)


def _middle_initials_apart(keyed):
    """Two people whose names differ only by middle initial ("John A. Doe" and "John B. Doe", a father
    and son) keep them in their keys when one article names both; a name written without them then
    stays its own, as the article does not say which one it is."""
    variants: dict[str, set[str]] = defaultdict(set)
    for span, key, label in keyed:
        if label == "PERSON" and key.count(" ") >= 1:
            full = _with_initials(span.text)
            if full != key and full.count(" ") > key.count(" "):
                variants[key].add(full)
    clash = {key for key, found in variants.items() if len(found) > 1}
    if not clash:
        return keyed
    return [(span, _with_initials(span.text) if key in clash and _with_initials(span.text) != key else key, label)
            for span, key, label in keyed]


def _defined_acronyms(keyed):
    """"Islamic State of Iraq and the Levant (ISIL)": the acronym right after a long name, starting with
    its first letter and written in capitals, is that name everywhere in the article."""
    defined: dict[str, str] = {}
    for (first, key, label), (second, acro_key, _) in zip(keyed, keyed[1:]):
        if not (0 < second.start - first.end <= 2 and " " in key and label not in NOISE_LABELS):
            continue
        text = second.text.replace(".", "")
        if not (_ACRONYM.match(text) and sum(c.isupper() for c in text) >= 2 and acro_key != key):
            continue
        initials = "".join(w[0] for w in _LEADING_ARTICLE.sub("", first.text).split() if w[:1].isalpha()).lower()
        if initials[:1] == text[0].lower() and _subsequence(text.lower(), initials):
            defined[acro_key] = key
    if not defined:
        return keyed
    return [(span, defined.get(key, key), label) for span, key, label in keyed]


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short if c.isalpha())


def _cut_glued_heads(keyed):
    """A span that is another name of this article with one or two words in front that are not a title
    ("Warns Jane Doe", "Nevertheless Acme Corp") is cut to that name, text and offsets included."""
    names = {key for _, key, label in keyed if label not in NOISE_LABELS}
    out = []
    for span, key, label in keyed:
        words = span.text.split(" ")
        if label not in NOISE_LABELS and len(words) > 2 and words[0].lower().strip(".") not in HONORIFICS:
            for cut in (1, 2):
                rest = " ".join(words[cut:])
                rest_key = normalise(rest, label)
                if len(words) - cut >= 2 and rest_key in names and rest_key != key:
                    start = span.start + len(span.text) - len(rest)
                    span, key = EntitySpan(start, span.end, span.label, rest, span.key), rest_key
                    break
        out.append((span, key, label))
    return out


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
