"""The query language: Whoosh syntax over title and body, entity fields, dates, and clear errors.

Text is first made plain where prose and the syntax share characters (``tidy.py``: a question mark,
a colon after a headline's first word, an unpaired quote), so pasted text always searches; what can
still go wrong is a real mistake in the syntax, which ``parse`` explains in one line. It never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.qparser import (
    FieldAliasPlugin, FuzzyTermPlugin, GtLtPlugin, MultifieldParser, Plugin,
)
from whoosh.qparser import plugins as qplugins
from whoosh.qparser import syntax
from whoosh.qparser.dateparse import DateParserPlugin

from ...search.tidy import ERROR_WIDTH, tidy
from .schema import ENTITY_FIELDS

SEARCH_FIELDS = ("title", "body")
FIELD_ALIASES = {
    "person": ["people", "per", "who"],
    "org": ["organisation", "organization", "orgs", "company"],
    "place": ["gpe", "loc", "location", "places", "where"],
    "entity": ["ent", "entities", "name"],
    "source": ["feed", "site", "publisher"],
    "published": ["date", "when"],
}
KNOWN_FIELDS = {"title", "body", "person", "org", "place", "entity", "source", "published", "id", "url"}
ALL_FIELD_NAMES = KNOWN_FIELDS | {a for names in FIELD_ALIASES.values() for a in names}


@dataclass(frozen=True)
class Parsed:
    query: wq.Query | None
    error: str | None = None
    notes: tuple[str, ...] = ()  # what was left out of the text as typed (an unpaired quote...)


class _LeafRewrite(Plugin):
    """A parser filter that changes leaf nodes of the query tree in place, at ``PRIORITY`` among
    Whoosh's own filters (field names are settled at 100, fields expanded at 110)."""

    PRIORITY = 0

    def filters(self, parser):
        return [(self._walk, self.PRIORITY)]

    def _walk(self, parser, group):
        for node in group:
            if isinstance(node, syntax.GroupNode):
                self._walk(parser, node)
            else:
                self.rewrite(node)
        return group

    def rewrite(self, node) -> None:
        raise NotImplementedError


class _UnstemmedVariants(_LeafRewrite):
    """Send fuzzy, prefix and wildcard words to the unstemmed ``exact`` field.

    Runs after explicit field names are applied and before the multifield expansion, so a bare
    ``espr~`` or ``espe*`` is looked up among real words, not stems.
    """

    PRIORITY = 105
    VARIANT_NODES = (qplugins.FuzzyTermPlugin.FuzzyTermNode, qplugins.PrefixPlugin.PrefixNode,
                     qplugins.WildcardPlugin.WildcardNode)

    def rewrite(self, node) -> None:
        if isinstance(node, self.VARIANT_NODES) and node.fieldname in (None, "title", "body"):
            node.set_fieldname("exact", override=True)


class _UndottedEntityNames(_LeafRewrite):
    """``place:"U.S."`` finds what ``place:US`` finds.

    Entity fields hold each entity's canonical key, which has no dots ("us"), next to the spellings seen;
    the tokenizer keeps a dot inside a word ("u.s"), so a dotted acronym only found the articles that
    spelled it with dots. Runs once field names and their aliases are settled.
    """

    PRIORITY = 106
    NODES = (syntax.WordNode, qplugins.PhrasePlugin.PhraseNode)

    def rewrite(self, node) -> None:
        if isinstance(node, self.NODES) and node.fieldname in ENTITY_FIELDS and "." in node.text:
            node.text = node.text.replace(".", "") or node.text


def build_parser(schema):
    parser = MultifieldParser(list(SEARCH_FIELDS), schema=schema)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(_UnstemmedVariants())
    parser.add_plugin(_UndottedEntityNames())
    return parser


_DATE_COMPARISON = re.compile(r"\b(date|published|when):(>=|<=|>|<)([^\s()]+)", re.IGNORECASE)


def _as_range(m: re.Match) -> str:
    """``date:>X`` as an open range, which Whoosh's date parser understands for every date shape."""
    field, op, value = m.groups()
    return f"{field}:[{value} TO]" if op.startswith(">") else f"{field}:[TO {value}]"


_DATE_VALUE = re.compile(r"\b(?:date|published|when):(?:\[[^\]]*\]|\{[^}]*\}|\S+)", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?\b")


def _compact_dates(m: re.Match, as_typed: dict[str, str]) -> str:
    """2020-10-26 -> 20201026: the shape Whoosh's date parser reads reliably; ``as_typed`` remembers
    each compacted date's original, for an error message."""
    def one(d: re.Match) -> str:
        compact = d.group(1) + d.group(2).zfill(2) + (d.group(3).zfill(2) if d.group(3) else "")
        as_typed[compact] = d.group(0)
        return compact
    return _ISO_DATE.sub(one, m.group(0))


def parse(parser, text: str) -> Parsed:
    """``text`` as a Whoosh query, or the reason it is not one.

    Pasted prose is made plain first (``tidy``), so what is left to fail is a real mistake in the
    syntax (a date that is not one); its message quotes the input as typed and fits the search bar.

    Not thread-safe for one ``parser``: each call swaps the parser's date plugin for one that collects
    this call's date errors. ``Searcher`` shares one parser and only calls this inside
    ``Store.searcher()``, whose lock serialises the calls.
    """
    typed = text.strip()
    if not typed:
        return Parsed(wq.Every())
    tidied = tidy(typed, ALL_FIELD_NAMES)
    text, notes = tidied.text, tidied.notes
    if not text:
        return Parsed(wq.NullQuery, notes=notes)
    as_typed: dict[str, str] = {}
    text = _DATE_VALUE.sub(lambda m: _compact_dates(m, as_typed), _DATE_COMPARISON.sub(_as_range, text))
    date_errors: list[str] = []
    parser.remove_plugin_class(DateParserPlugin)
    parser.add_plugin(DateParserPlugin(callback=date_errors.append, free=False))
    try:
        q = parser.parse(text)
    except Exception:  # Whoosh raises odd things (QueryParserError, ValueError, re.error ...)
        return Parsed(None, f"Could not understand {_quoted(typed, 40)}", notes)
    if date_errors:
        value = date_errors[0].strip()
        for compact, original in as_typed.items():
            value = value.replace(compact, original)
        return Parsed(None, f"Not a date: {_quoted(value, 16)} (try date:2020-10 or date:>2020)", notes)
    if _has_error(q):
        return Parsed(None, f"Could not understand {_quoted(typed, 40)}", notes)
    return Parsed(q, notes=notes)


def _quoted(text: str, room: int) -> str:
    """``text`` in quotes, cut to ``room`` characters: an error line must fit the search bar."""
    text = " ".join(text.split())
    return '"' + (text if len(text) <= room else text[:room - 1] + "…") + '"'


def _has_error(q) -> bool:
    """Whoosh marks the parts it could not parse with an ``error`` attribute instead of raising."""
    if getattr(q, "error", None):
        return True
    return any(_has_error(child) for child in q.children())
