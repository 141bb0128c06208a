"""Any string typed as a query gives results or a one-line explanation, never an exception.

Property tests (hypothesis) drive ``Library.search`` and ``match_spans`` with arbitrary text and with
strings built from the query language's own pieces (quotes, brackets, field names, operators, dates,
wildcards), so the generator finds the corners of the parser rather than random noise. A few
``newsreader search`` runs check the same from the command line.
"""

from __future__ import annotations

import pytest
from hypothesis import example, HealthCheck, given, settings
from hypothesis import strategies as st

from newsreader.index.library import Library
from newsreader.tui.cli import main

STORIES = {
    "harbour.txt": "Harbour reopens in Kestrel Bay\n\nMayor Ana Lindqvist said the harbour in Kestrel Bay "
                   "reopened on 3 March 2021 after the storm.\n",
    "budget.txt": "Council passes budget\n\nThe Kestrel Bay council passed a budget for schools and roads.\n",
    "rail.md": "# Rail strike ends\n\nDrivers returned to work after talks with Northline Railways in Oslo.\n",
}

PIECES = st.sampled_from([
    '"', "(", ")", "[", "]", "{", "}", "*", "?", "~", "~2", "^", "^3", ":", "-", "+", "\\", "'", "/",
    "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", "and", "or",
    "title:", "body:", "person:", "org:", "place:", "entity:", "source:", "date:", "published:", "when:",
    "who:", "url:", "id:", "nosuchfield:", "exact:", "spans:", "hash:", "words:",
    "date:>", "date:<=", "date:[", "date:2021", "date:2021-03", "date:[2021-01-01 TO 2021-12-31]", "date:yesterday",
    "harbour", "kestrel", "bay", "lindqvist", "budget", "oslo", "zzz", "ha*", "*r", "harbor~", "h?rbour",
    '"kestrel bay"', '"kestrel bay"~3', " ", "  ", "\t", "\n", "é", "日本", "\x00", "\u202e", "\x1b[2J",
])
QUERIES = st.one_of(
    st.text(max_size=60),
    st.lists(PIECES, max_size=14).map("".join),
    st.lists(PIECES, max_size=10).map(" ".join),
)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    src = tmp_path_factory.mktemp("fuzz") / "src"
    src.mkdir()
    for name, text in STORIES.items():
        (src / name).write_text(text)
    home = tmp_path_factory.mktemp("fuzz-home")
    with Library.open(home) as library:
        library.sync([src], workers=1)
    with Library.open(home) as library:
        yield library


def _check(library, query: str) -> None:
    for sort in ("relevance", "date"):
        result = library.search(query, limit=5, sort=sort)
        if result.error:
            assert result.total == 0 and result.hits == ()
            assert "\n" not in result.error and 0 < len(result.error) < 300, result.error
        else:
            assert 0 <= len(result.hits) <= min(5, result.total) and result.total <= len(STORIES)
    hit_id = library.search("", limit=1).hits[0].id
    body = library.article(hit_id).body
    for start, end in library.match_spans(hit_id, query):
        assert 0 <= start < end <= len(body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUERIES)
@example('00::exact:"0:0"')  # an internal field's name reached through a doubled colon
@example('TITLE:exact:"0:0"')  # ... or through a known field's colon
def test_any_query_gives_results_or_a_one_line_explanation(library, query):
    _check(library, query)


@pytest.mark.parametrize("query", [
    '"unclosed phrase', 'kestrel)', '((harbour', 'date:[2021', 'date:]', 'title:', ':', 'nosuchfield:x',
    'AND', 'harbour AND', 'OR OR OR', 'NOT', '*', '?', '~', 'harbour~99', '"', '""', '()', '[]', '{}',
    'date:>', 'date:>yesterday-ish', 'date:[2021-13-45 TO 2020-99-99]', 'person:"', 'org:()', '^', 'harbour^x',
    "h" * 5000, " ".join(["harbour"] * 3000), "a*" * 500, "(" * 300 + "x" + ")" * 300, '"' + "x " * 1500 + '"',
])
def test_nasty_queries(library, query):
    _check(library, query)


def test_the_query_language_still_finds_things(library):
    """The fuzzing above would pass if search returned nothing; make sure it does not."""
    assert library.search("harbour").total == 1
    assert library.search('"kestrel bay"').total == 2
    assert library.search("kestrel AND NOT budget").total == 1
    assert library.search("harbor~").total >= 1


@pytest.mark.parametrize("query, code", [
    (['"unclosed', "phrase"], 0), (["nosuchfield:x"], 0), (["((kestrel"], 0), (["x" * 5000], 0),
    (["kestrel", "bay"], 0), (["date:[2021", "TO", "2022]"], 0), (["date:2021-13"], 1), (["[Live]", "[/x]"], 0),
])
def test_search_command_prints_results_or_one_line(library, capsys, query, code):
    assert main(["--home", str(library.home), "search", *query]) == code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code:
        assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("newsreader: ")
    else:
        assert "result" in out and err == ""


# Text a person could paste: headline words and the punctuation prose uses, including every
# character the query language also uses, and arbitrary letters. Only a known date field followed
# directly by a value is syntax that can be wrong (date:2021-13), and prose does not write that.
PASTED_WORDS = st.sampled_from([
    "Harbour", "reopens", "in", "Kestrel", "Bay", "Why", "are", "Russians", "protesting?", "U.S.", "10:30",
    "Syria:", "'will", "not", "quit'", '"Quote', 'end"', "(update)", "[Live]", "{x}", "wom?n", "secur*", "AND",
    "OR", "NOT", "TO", "...", "—", "50%", "#tag", "@user", "e-mail", "https://x.org/a?b=c&d=e", "C++", "Q&A", "*",
    "?", "!", ":", "-", "+", "~", "^", "\\", "/", "Who:", "When:", "Date:", "title:", "person:", "(", ")", "[", "]",
    "“Curly”", "‘single’", "naïve", "日本", "👍", "Mr.", "a.m.", "1,000", "£5bn", "'", '"', "10:30pm",
])
PASTED = st.lists(st.one_of(PASTED_WORDS, st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                                                  max_size=12)), max_size=16).map(" ".join)


def _prose(text: str) -> bool:
    import re

    return not re.search(r"(?i)(?<![\w:])(date|published|when):[^\s)]", text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PASTED.filter(_prose))
@example("<0")
@example("prices > 5 <b>bold</b> x>=y")  # comparisons are a field's only (date:>2020)
def test_pasted_text_is_never_an_error(library, text):
    for sort in ("relevance", "date"):
        result = library.search(text, limit=5, sort=sort)
        assert result.error is None, (text, result.error)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PASTED.filter(_prose))
def test_search_command_exits_zero_for_pasted_text(library, capsys, text):
    if not text.strip() or text.lstrip().startswith("-"):
        text = "x " + text  # the command line's own options are not pasted text
    assert main(["--home", str(library.home), "search", "--", text]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "Traceback" not in out
