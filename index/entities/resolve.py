"""Library-wide resolution of partial names, and an entity's type from the library's evidence.

Within one article ``canonical.canonicalise`` joins "Blair" to the "Tony Blair" of that article. What it
cannot see is the library: an article that says only "Mr Blair", or only "ISIL", or "Tories" next to
another's "Tory". Those are decided here, from what the library's own articles show, each time the
articles that bear on a name change (``Catalog.refresh_entity_stats`` gathers the evidence):

- a partial name (one word, or "Mrs Doe") goes to the full name that the library's articles use that
  same spelling for, when one full name takes nearly all of those uses; failing any use, to the one
  person the library knows with that surname. A title of the other sex keeps it apart, and so does a
  surname that two people share in use;
- an acronym goes to the long form that articles define it as, on the same rule;
- plural and singular forms of a group or party, and a name with and without "Party", are one entity.

Everything here is plain Python over counts, so the rules are tested without a catalog.
"""

from __future__ import annotations

from collections import Counter
from typing import Mapping

from .canonical import (HONORIFICS, LABEL_PRIORITY, NOISE_LABELS, AliasTable, _winner, normalise, title_sex)

# The share of a spelling's uses one full name must have before a lone use of it is taken to be them.
CLEAR = 0.8
# Words a name of a group or body may carry or not: "Labour" and "Labour Party" are one party.
DESIGNATORS = ("party", "plc", "inc", "ltd", "corp", "group", "fc", "club")


def is_partial(key: str) -> bool:
    """A key that may stand for a fuller name elsewhere: one word, or a woman's title and a surname."""
    return " " not in key or (key.startswith("mrs ") and key.count(" ") == 1)


def sex_of(surfaces: Mapping[str, int]) -> str:
    """"f" or "m" when the titles an entity is written with say so clearly, else ""."""
    said: Counter = Counter()
    for surface, n in surfaces.items():
        sex = title_sex(surface)
        if sex:
            said[sex] += n
    if not said:
        return ""
    sex, n = said.most_common(1)[0]
    return sex if n >= CLEAR * sum(said.values()) else ""


def is_acronym(surfaces: Mapping[str, int]) -> bool:
    letters = [c for s in surfaces for c in s if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters) and len(letters) >= 2 * len(
        surfaces)


def choose(partial: str, labels: Mapping[str, int], surfaces: Mapping[str, int],
           uses: Mapping[str, int], sexes: Mapping[str, str], same_surname: frozenset[str] | set[str]) -> str | None:
    """The full name ``partial`` stands for, or None to keep it apart.

    ``uses``: for each other entity, how often the library's articles wrote it with one of this
    partial's spellings (the "Blair" of articles that also say "Tony Blair"); ``sexes``: what the
    titles of each candidate say; ``same_surname``: the people the library knows with this surname.
    """
    acronym = is_acronym(surfaces)
    person = bool(labels) and _winner(labels) == "PERSON"
    if not person and not acronym:
        return None
    sex = "f" if partial.startswith("mrs ") else sex_of(surfaces)
    other = {"f": "m", "m": "f"}.get(sex, "")

    def fits(key: str) -> bool:
        return not other or sexes.get(key) != other

    used = {k: n for k, n in uses.items() if k != partial and not is_partial(k) and fits(k)}
    if used:
        best = max(used, key=lambda k: (used[k], k))
        everyone = sum(n for k, n in uses.items() if k != partial)  # the other sex's uses count against
        # One stray use does not claim a name met often on its own ("Glasgow" once for a rugby side).
        enough = max(1, 0.1 * sum(surfaces.values()))
        return best if used[best] >= CLEAR * everyone and used[best] >= enough else None
    if not person:
        return None
    same_surname = {k for k in same_surname if not is_partial(k)}
    known = [k for k in same_surname if fits(k)]
    if len(known) == 1 and len(same_surname) == 1:
        return known[0]
    return None


def forms(key: str) -> set[str]:
    """Other spellings of the same group or body: plural or singular, with or without a designator."""
    out = set()
    words = key.split(" ")
    last = words[-1]
    stem = " ".join(words[:-1])
    pre = stem + " " if stem else ""
    if len(last) > 3 and last.endswith("ies"):
        out.add(pre + last[:-3] + "y")
    elif len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
        out.add(pre + last[:-1])
    if last.endswith("y") and len(last) > 2:
        out.add(pre + last[:-1] + "ies")
    elif not last.endswith("s"):
        out.add(pre + last + "s")
    if len(words) > 1 and last in DESIGNATORS:
        out.add(stem)
    else:
        out |= {f"{key} {d}" for d in DESIGNATORS[:1]}
    out.discard(key)
    return out


def is_group(labels: Mapping[str, int], aliases: AliasTable, key: str) -> bool:
    kind = aliases.kind_of(key)
    label = kind or (_winner(labels) if labels else "")
    return label in ("ORG", "NORP")


def may_join_group(labels: Mapping[str, int], aliases: AliasTable, key: str) -> bool:
    """A form that may join a group's entity: anything but a place or a thing of another known kind
    (the small model calls "Lib Dem" a person where "Lib Dems" is a party)."""
    kind = aliases.kind_of(key)
    label = kind or (_winner(labels) if labels else "")
    return label in ("ORG", "NORP", "PERSON")


def abbreviates(short: str, long: str) -> bool:
    """"lib dems" abbreviates "liberal democrats": as many words, each the start of the other's."""
    a, b = short.split(" "), long.split(" ")
    if len(a) != len(b) or len(a) < 2 or short == long:
        return False
    pairs = list(zip(a, b))
    return (all(len(x.rstrip("s")) >= 2 and y.startswith(x.rstrip("s")) for x, y in pairs)
            and any(len(x.rstrip("s")) < len(y.rstrip("s")) for x, y in pairs)
            and a[-1].endswith("s") == b[-1].endswith("s"))


def entity_label(key: str, labels: Mapping[str, int], surfaces: Mapping[str, int], aliases: AliasTable,
                 *, resolved_into: bool = False, named_elsewhere: bool = False) -> str:
    """An entity's type: the knowledge file's when it knows the name or its kind, else the library's
    vote, except that a PERSON needs the library to show it is one.

    The small model calls clubs, companies, leagues and cities people. A one-word "person" that no
    article ever writes with a title, that is nobody's surname or first name in use, is not taken for
    one; nor is a full name met in many articles that no article ever shortens to a surname or writes
    with a title (a band, a film). The vote's next label, else ORG, is used instead.
    """
    kind = aliases.kind_of(key)
    if kind:
        return kind
    counts = Counter(labels)
    label = _winner(counts)
    if label != "PERSON" or resolved_into:
        return label
    shortened = any(_is_short_use(s, key) for s in surfaces)
    if shortened or named_elsewhere or (" " in key and sum(surfaces.values()) < 12):
        return label
    rest = Counter({lab: n for lab, n in counts.items() if lab != "PERSON"})
    return _winner(rest) if rest else "ORG"


def _is_short_use(surface: str, key: str) -> bool:
    """A spelling that reads as a person: with a title ("Mr Doe"), or a surname alone for a full name."""
    first = surface.split(" ", 1)[0].replace(".", "").lower()
    if first in HONORIFICS and " " in surface.strip():
        return True
    short = normalise(surface, "PERSON")
    return " " in key and " " not in short and key.endswith(" " + short)


__all__ = ["CLEAR", "LABEL_PRIORITY", "choose", "entity_label", "forms", "is_group", "is_partial", "sex_of"]
