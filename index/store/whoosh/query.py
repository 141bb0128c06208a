"""The query language: Whoosh syntax over title and body, entity fields, dates, and clear errors.

Whoosh's parser forgives almost anything silently (an unclosed quote just becomes a word), which
leaves a reader wondering why nothing matched. ``parse`` checks the things people get wrong first and
turns them into one-line explanations; it never raises.
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

from .schema import ENTITY_FIELDS

MAX_QUERY_CHARS = 2000
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
USER_FIELDS = "title:, person:, org:, place:, entity:, source:, date:"
_FIELD_REF = re.compile(r'(?:(?<=^)|(?<=[\s(+\-]))([A-Za-z_][A-Za-z0-9_]*):(?=\S)')


@dataclass(frozen=True)
class Parsed:
    query: wq.Query | None
    error: str | None = None


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


def check(text: str) -> str | None:
    """The first obvious mistake in ``text``, explained, or None."""
    if len(text) > MAX_QUERY_CHARS:
        return f"The query is too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})."
    if text.count('"') % 2:
        return 'Unclosed quote: every " needs a partner.'
    depth = 0
    for ch in _outside_quotes(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return "Unbalanced parentheses: a ) has no matching (."
    if depth:
        return "Unbalanced parentheses: a ( is never closed."
    plain = _outside_quotes(text)
    if plain.count("[") != plain.count("]") or plain.count("{") != plain.count("}"):
        return "Unbalanced brackets in a range: write date:[2020-01-01 TO 2020-12-31]."
    for m in _FIELD_REF.finditer(plain):
        name = m.group(1)
        if name.lower() not in ALL_FIELD_NAMES:
            return f"Unknown field '{name}:'. Use {USER_FIELDS}"
    stripped = re.sub(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b", "", plain).strip()
    if plain.strip() and not stripped:
        return "The query has operators but nothing to search for."
    if re.search(r"\b(AND|OR|ANDNOT|ANDMAYBE)\s*$", plain.strip()) or re.match(r"^\s*(AND|OR)\b", plain):
        return "An operator (AND/OR) is missing a word on one side."
    return None


_DATE_COMPARISON = re.compile(r"\b(date|published|when):(>=|<=|>|<)([^\s()]+)", re.IGNORECASE)


def _as_range(m: re.Match) -> str:
    """``date:>X`` as an open range, which Whoosh's date parser understands for every date shape."""
    field, op, value = m.groups()
    return f"{field}:[{value} TO]" if op.startswith(">") else f"{field}:[TO {value}]"


_DATE_VALUE = re.compile(r"\b(?:date|published|when):(?:\[[^\]]*\]|\{[^}]*\}|\S+)", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?\b")


def _compact_dates(m: re.Match) -> str:
    """2020-10-26 -> 20201026: the shape Whoosh's date parser reads reliably."""
    return _ISO_DATE.sub(lambda d: d.group(1) + d.group(2).zfill(2) + (d.group(3).zfill(2) if d.group(3) else ""),
                         m.group(0))


def _outside_quotes(text: str) -> str:
    """``text`` with quoted phrases blanked out, so brackets inside quotes do not count."""
    return re.sub(r'"[^"]*"', lambda m: " " * len(m.group(0)), text)


def parse(parser, text: str) -> Parsed:
    """``text`` as a Whoosh query, or the reason it is not one.

    Not thread-safe for one ``parser``: each call swaps the parser's date plugin for one that collects
    this call's date errors. ``Searcher`` shares one parser and only calls this inside
    ``Store.searcher()``, whose lock serialises the calls.
    """
    text = text.strip()
    if not text:
        return Parsed(wq.Every())
    problem = check(text)
    if problem:
        return Parsed(None, problem)
    text = _DATE_VALUE.sub(_compact_dates, _DATE_COMPARISON.sub(_as_range, text))
    date_errors: list[str] = []
    parser.remove_plugin_class(DateParserPlugin)
    parser.add_plugin(DateParserPlugin(callback=date_errors.append, free=False))
    try:
        q = parser.parse(text)
    except Exception as exc:  # Whoosh raises odd things (QueryParserError, ValueError, re.error ...)
        return Parsed(None, f"Could not understand the query ({type(exc).__name__}: {exc}).")
    if date_errors:
        return Parsed(None, f"Could not understand the date '{date_errors[0]}'. Try date:2020, "
                            "date:2020-10, date:[2020-10-01 TO 2020-10-31] or date:>2020-10-01.")
    if _has_error(q):
        return Parsed(None, "Could not understand part of the query; check quotes, brackets and field names.")
    return Parsed(q)


def _has_error(q) -> bool:
    """Whoosh marks the parts it could not parse with an ``error`` attribute instead of raising."""
    if getattr(q, "error", None):
        return True
    return any(_has_error(child) for child in q.children())
