"""Pasted text is words: what a person types or pastes, made into a query the parser reads as meant.

The query language borrows characters that prose uses too: ``?`` ends a question, ``*`` marks a
footnote, a colon follows "Syria" in a headline, and a quote or bracket is easily left unpaired when
half a title is pasted. ``tidy`` keeps each of them as syntax only where it can only be syntax, turns
the rest into spaces, and drops what cannot be paired, with a note saying so, so that no pasted
text is an error. It works on the string alone (no parser, no index), so it is the same whatever
engine reads the result.

- ``?`` and ``*`` are wildcards inside a word (``wom?n``, ``wo*n``); ``*`` also at the end of one
  (``secur*``), and alone as "everything" (``*``, ``title:*``). A ``?`` at the end of a word is a
  question mark, unless the word is already a pattern (``w?m?n?``).
- ``word:`` names a field only when ``word`` is a known field and its value follows at once
  (``person:Esper``, ``date:2020``); "Syria: Kurdish fighters" and "Re:Esper" are words.
- ``[ ]`` and ``{ }`` are a range only right after a field (``date:[2020-01 TO 2020-06]``).
- An unpaired ``"``, ``(`` or ``)`` is dropped; so is an AND/OR/NOT with nothing to join.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 2000
# The longest error line the reader's search bar shows whole at 120 columns (its status takes at
# most 60% of the bar, tui/app.tcss): a query's error messages quote the input cut to fit.
ERROR_WIDTH = 66
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_BINARY = OPERATORS - {"NOT"}
_QUOTED = re.compile(r'"[^"]*"')
_PHRASE = '"\x00"'


@dataclass(frozen=True)
class Tidied:
    text: str
    notes: tuple[str, ...] = ()


def tidy(text: str, fields: set[str]) -> Tidied:
    """``text`` with prose punctuation made plain; ``fields`` are the names (aliases too, lower case)
    that may stand before a colon."""
    notes: list[str] = []
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut[:cut.rfind(" ")] if " " in cut[MAX_QUERY_CHARS // 2:] else cut
        notes.append(f"searched the first {len(text):,} characters")
    if text.count('"') % 2:
        at = text.rfind('"')
        text = text[:at] + ("" if text[at - 1:at] == ":" else " ") + text[at + 1:]  # person:"Mark -> person:Mark
        notes.append('ignored an unpaired "')
    # Outside quotes only: a phrase is read word by word by the analyzer whatever it holds. Each
    # phrase waits behind a placeholder that still looks like a quoted value to the rules below.
    phrases = _QUOTED.findall(text)
    plain = _QUOTED.sub(_PHRASE, text.replace("\x00", " "))
    # Each step only when its characters are there: most of what is typed or pasted has none.
    bracket_note = paren_note = None
    if ":" in plain:
        plain = _fields(plain, fields)
    if "<" in plain or ">" in plain:  # a comparison only right after a field's colon (date:>2020)
        plain = _LONE_COMPARISON.sub(" ", plain)
    if _BRACKETS.search(plain):
        plain, bracket_note = _ranges(plain, fields)
    if _PATTERN_CHARS.search(plain):
        plain = _PATTERN_TOKEN.sub(_wildcard_token, plain)
    pieces = plain.split(_PHRASE)
    text = "".join(piece + (phrases[i] if i < len(phrases) else "") for i, piece in enumerate(pieces))
    if "(" in text or ")" in text:
        text, paren_note = _parentheses(text)
    if _OPERATOR.search(text):
        text = _operators(text)
    notes.extend(n for n in (bracket_note, paren_note) if n)
    return Tidied(_SPACES.sub(" ", text).strip(), tuple(notes))


_BRACKETS = re.compile(r"[\[\]{}]")
_LONE_COMPARISON = re.compile(r"(?<!:)[<>]=?")
_PATTERN_CHARS = re.compile(r"[?*~^]")
_PATTERN_TOKEN = re.compile(r"\S*[?*~^]\S*")
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
_SPACES = re.compile(r"\s+")


# A name after another field's colon counts too ("title:exact:x" must not reach an internal field), but
# not a web address's scheme (url:https://...).
_NAME_COLON = re.compile(r"(?<!\w)(\w+):(?!//)")


def _fields(text: str, fields: set[str]) -> str:
    """Colons that do not follow a known field directly before its value become spaces."""
    def one(m: re.Match) -> str:
        name, end = m.group(1), m.end()
        value_follows = end < len(text) and not text[end].isspace() and text[end] not in ")"
        if name.lower() in fields and value_follows:
            return name.lower() + ":"
        return name + " "
    # A colon after punctuation or a space is punctuation, first: "a::exact:x" must not leave a field
    # name behind a colon that only this rule removes.
    text = re.sub(r"(?<!\w):", " ", text)
    for _ in range(3):  # "a:b:c": each pass sees the colons the previous one's matches hid
        text, n = _NAME_COLON.subn(one, text)
        if not n:
            break
    return re.sub(r"(?<!\w):", " ", text)


_RANGE = re.compile(r"(?<![\w:])(\w+):([\[{])([^\[\]{}]*)([\]}])")


def _ranges(text: str, fields: set[str]) -> tuple[str, str | None]:
    """Brackets stay only as a field's range; an opening bracket after a field that is never closed
    is dropped with a note (``date:[2021`` reads as ``date:2021``); any other bracket is punctuation."""
    keep: list[tuple[int, int]] = []
    for m in _RANGE.finditer(text):
        if m.group(1) in fields:
            keep.append((m.start(2), m.end(4)))
    note = None
    out = []
    for i, ch in enumerate(text):
        if ch in "[]{}" and not any(a <= i < b for a, b in keep):
            if not note and _unpaired(text, i):
                note = f"ignored an unpaired {ch}"
            out.append(" " if text[max(0, i - 1):i] != ":" else "")
        else:
            out.append(ch)
    return "".join(out), note


def _unpaired(text: str, i: int) -> bool:
    """Whether the bracket at ``i`` has no partner: an opener never closed after it, or a closer
    with more closers than openers up to it."""
    ch = text[i]
    opener, closer = {"[": "[]", "]": "[]", "{": "{}", "}": "{}"}[ch]
    if ch == opener:
        return text[i:].count(closer) < text[i:].count(opener)
    return text[:i].count(opener) < text[:i + 1].count(closer)


_FIELD_EVERY = re.compile(r"\w+:\*")
_PATTERN_INSIDE = re.compile(r"\w[?*]+\w")
_LEADING_WILDCARD = re.compile(r"(?<!\w)[?*]+")
_LONE_QUESTION = re.compile(r"\?+(?![\w?*])")
_LONE_TILDE = re.compile(r"(?<![\w\"')\]}])~")
_LONE_CARET = re.compile(r"\^(?!\d)|(?<![\w\"')\]}])\^")


def _wildcard_token(m: re.Match) -> str:
    """``?``, ``*``, ``~`` and ``^`` stay only where they make a pattern, a fuzzy word or a boost."""
    token = m.group(0)
    if token == "*" or _FIELD_EVERY.fullmatch(token):
        return token
    # Trailing question marks: punctuation, unless the word is already a pattern.
    core = token.rstrip("?")
    if core != token and not _PATTERN_INSIDE.search(core):
        token = core + " "
    # A wildcard must have a letter or digit before it, and a ``?`` one after it too.
    token = _LEADING_WILDCARD.sub(" ", token)
    token = _LONE_QUESTION.sub(" ", token)
    token = _LONE_TILDE.sub(" ", token)
    return _LONE_CARET.sub(" ", token)


def _parentheses(text: str) -> tuple[str, str | None]:
    """Unpaired parentheses outside quotes dropped, with a note."""
    chars = list(text)
    stack: list[int] = []
    dropped = None
    quoted = False
    for i, ch in enumerate(chars):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            stack.append(i)
        elif ch == ")":
            if stack:
                stack.pop()
            else:
                chars[i], dropped = " ", ")"
    for i in stack:
        chars[i], dropped = " ", dropped or "("
    return "".join(chars), (f"ignored an unpaired {dropped}" if dropped else None)


def _operators(text: str) -> str:
    """AND/OR/NOT that have nothing to join become plain (stop) words instead of an error."""
    tokens = re.split(r'("[^"]*"|[()]|\s+)', text)
    significant = [i for i, t in enumerate(tokens) if t and not t.isspace()]
    for n, i in enumerate(significant):
        token = tokens[i]
        if token not in OPERATORS:
            continue
        before = tokens[significant[n - 1]] if n else None
        after = tokens[significant[n + 1]] if n + 1 < len(significant) else None
        operand_after = after is not None and after not in OPERATORS and after != ")"
        operand_before = before is not None and before not in OPERATORS and before != "("
        if token == "NOT":
            ok = operand_after
        else:
            ok = operand_before and (operand_after or after == "NOT")
        if not ok:
            tokens[i] = token.lower()
    return "".join(tokens)
