"""'Did you mean' over a small library written for it: the corrections a person means.

Each case is built so that the old rule (distance counting a swap as two edits, then the most
frequent word, each word alone) gives the wrong answer: a frequent word one plain edit away
competes with the word meant, which is a swap away or goes with the query's other words.
"""

from __future__ import annotations

import json

import pytest

ARTICLES = [
    ("Hendrix guitar sold at auction", "A guitar played by Jimi Hendrix was sold at auction in London."),
    ("Henri wins the vote", "Henri won the vote in the council. Henri thanked voters."),
    ("Henri opens a bakery", "Henri opened a bakery. Henri bakes bread."),
    ("Henri on holiday", "Henri went on holiday to Spain."),
    ("Spurs sign striker", "Spurs agreed to sign the striker from Lyon after a medical."),
    ("Bowler finds spin", "The bowler found spin on a dry pitch. Spin decided the match."),
    ("Spin doctors at work", "Spin doctors gave the story a spin. Spin is everywhere in politics."),
    ("Spin class craze", "A spin class opened downtown; spin fans queued."),
    ("Choir will sing carols", "The choir will sing carols in the square."),
    ("Market report", "Shares rose as the market opened; traders said the market was calm."),
]


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    from newsreader.index.library import Library

    root = tmp_path_factory.mktemp("correct")
    src = root / "src"
    src.mkdir()
    lines = [json.dumps({"title": t, "text": b, "date": f"2021-03-{i + 1:02d}", "source": "Wire"})
             for i, (t, b) in enumerate(ARTICLES)]
    (src / "news.jsonl").write_text("\n".join(lines), encoding="utf-8")
    library = Library.open(root / "home")
    library.sync([src])
    yield library
    library.close()


def test_a_swapped_pair_of_letters_is_one_edit(lib):
    # "Henri" (frequent) is two edits from "Henrdix" by plain distance and by this one; "Hendrix" is
    # one swap away.
    assert lib.search("Henrdix").corrected == "Hendrix"
    assert lib.search("Hendirx guitar").corrected == "Hendrix guitar"


def test_the_word_that_goes_with_the_others_wins_over_the_frequent_one(lib):
    # "sgin" is one edit from "spin" (four articles) and from "sign" (one, with Spurs and striker).
    assert lib.search("Spurs sgin striker").corrected == "Spurs sign striker"
    assert lib.search("bowler sgin pitch").corrected == "bowler spin pitch"


def test_a_typo_that_made_another_real_word_is_corrected_when_nothing_has_all_words(lib):
    result = lib.search("Spurs sing striker")
    assert result.total == 0 or result.relaxed
    assert result.corrected == "Spurs sign striker"
    assert lib.search("choir sing carols").corrected is None  # all words in one article: as typed


def test_names_in_an_entity_field_are_corrected_against_the_names_seen(lib):
    assert lib.search("person:Hendrix").total == 1  # the model sees "Jimi Hendrix" as a person
    assert lib.search("person:Hendirx guitar").corrected == "person:Hendrix guitar"


def test_the_suggestion_is_the_whole_query_and_finds_the_article(lib):
    result = lib.search("Jimi Hendirx gutiar auction")
    assert result.corrected == "Jimi Hendrix guitar auction"
    assert lib.search(result.corrected).hits[0].title == "Hendrix guitar sold at auction"
    assert result.to_json()["corrected"] == "Jimi Hendrix guitar auction"
    # Known words, field values that are not names, operators and patterns are left alone.
    assert lib.search('Hendirx AND date:2021 OR guit*').corrected == "Hendrix AND date:2021 OR guit*"
    # Punctuation that is not syntax does not hide a word (tidy.py reads these as words too).
    assert lib.search("Jimi Hendirx: guitar?").corrected == "Jimi Hendrix: guitar?"
    assert lib.search("Re:Hendirx guitar").corrected == "Re:Hendrix guitar"
