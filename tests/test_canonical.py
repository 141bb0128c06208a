"""Canonical entities without spaCy: normalisation, aliases, surname resolution, votes, library knowledge.

Spans are written by hand with the labels spaCy's small model really gives the seeds (Singh and Modi
as GPE, Pompeo as PERSON, ORG and GPE), so every rule is checked without loading a model.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings, strategies as st

from newsreader.index.article import Article, EntitySpan
from newsreader.index.store.catalog import Catalog
from newsreader.index.entities.canonical import (
    NOISE_LABELS, alias_list, build_aliases, canonicalise, default_aliases, display_name, normalise,
)


def spans_of(text: str, mentions: list[tuple[str, str]]) -> list[EntitySpan]:
    """Spans for each (mention, label) in order of appearance in ``text``."""
    out, pos = [], 0
    for mention, label in mentions:
        start = text.index(mention, pos)
        out.append(EntitySpan(start, start + len(mention), label, mention))
        pos = start + len(mention)
    return out


def keys(spans) -> list[str]:
    return [s.key for s in spans]


def by_text(spans) -> dict[str, tuple[str, str]]:
    return {s.text: (s.key, s.label) for s in spans}


# -- normalising one mention ------------------------------------------------------------------------

def test_leading_articles_possessives_and_dots_are_stripped():
    assert normalise("the U.S.") == "us"
    assert normalise("The United States") == normalise("the United States") == "united states"
    assert normalise("China's") == normalise("China\u2019s") == "china"
    assert normalise("the Wall Street Journal") == "wall street journal"
    assert normalise("Reuters'") == "reuters"


def test_honorifics_and_middle_initials_do_not_split_a_person():
    assert normalise("Mark T. Esper", "PERSON") == "mark esper"
    assert normalise("Mr. Mark Esper", "PERSON") == "mark esper"
    assert normalise("Dr Jane K. Goodall", "PERSON") == "jane goodall"
    assert normalise("Prime Minister Narendra Modi", "PERSON") == "narendra modi"
    # A lone title is not erased, and a two-letter middle name is a name, not an initial.
    assert normalise("President", "PERSON") == "president"
    assert normalise("Mary Jo Smith", "PERSON") == "mary jo smith"
    # Only people lose titles: "General Motors" stays a company.
    assert normalise("General Motors", "ORG") == "general motors"


# -- aliases -----------------------------------------------------------------------------------------

def test_bundled_aliases_merge_countries_and_bodies():
    text = ("US and U.S. and the United States and USA and America. UK, Britain, the United Kingdom, Great "
            "Britain. DOD, the Department of Defense, the Defense Department, the U.S. Department of Defense, "
            "the U.S. Defense Department and the Pentagon.")
    mentions = [(m, "GPE") for m in ("US", "U.S.", "the United States", "USA", "America")]
    mentions += [(m, "GPE") for m in ("UK", "Britain", "the United Kingdom", "Great Britain")]
    mentions += [(m, "ORG") for m in ("DOD", "the Department of Defense", "the Defense Department",
                                      "the U.S. Department of Defense", "the U.S. Defense Department",
                                      "the Pentagon")]
    out = canonicalise(spans_of(text, mentions))
    assert keys(out) == ["united states"] * 5 + ["united kingdom"] * 4 + ["department of defense"] * 6


def test_acronym_aliases_need_capitals():
    text = "The US said so. She can't stop playing Among Us. who knows. The WHO said."
    out = by_text(canonicalise(spans_of(text, [("US", "GPE"), ("Us", "GPE"), ("who", "ORG"), ("WHO", "ORG")])))
    assert out["US"][0] == "united states"
    assert out["Us"][0] == "us"
    assert "who" not in out  # a word in lower case is not a name at all (repair_spans drops it)
    assert out["WHO"][0] == "world health organization"


def test_user_aliases_extend_and_override_the_bundled_table():
    table = build_aliases({
        "International Space Station": ["ISS"],
        "United States": ["Uncle Sam"],
        "America": ["the Americas"],  # theirs wins: America is no longer the United States
    })
    assert table.key_for(normalise("the ISS"), "the ISS") == "international space station"
    assert table.key_for(normalise("Uncle Sam")) == "united states"
    assert table.key_for(normalise("U.S."), "U.S.") == "united states"  # bundled spellings still work
    assert table.key_for(normalise("America")) == "america"
    assert table.key_for(normalise("the Americas")) == "america"
    assert table.names["international space station"] == "International Space Station"
    assert {"us", "usa", "uncle sam"} <= set(table.spellings("united states"))
    # The bundled default is untouched by one user's table.
    assert default_aliases().key_for("america") == "united states"


def test_job_title_fragments_are_dropped_but_real_places_kept():
    text = "Secretary of State Mike Pompeo and Defence Secretary Mark Esper visited State College."
    out = canonicalise(spans_of(text, [("State", "ORG"), ("Mike Pompeo", "PERSON"), ("Defence", "ORG"),
                                       ("Mark Esper", "PERSON"), ("State College", "GPE")]))
    assert keys(out) == ["mike pompeo", "mark esper", "state college"]


# -- resolution within an article ----------------------------------------------------------------------

SEED_LIKE = (
    "US Secretary of State Mike Pompeo and Defence Secretary Mark Esper arrived. Pompeo and Esper will "
    "meet Prime Minister Narendra Modi and Defence Minister Rajnath Singh. Pompeo will then travel. "
    "Modi and Singh spoke. Li Li said Li was sure. Pompeo's trip went on."
)
SEED_MENTIONS = [
    ("Mike Pompeo", "PERSON"), ("Mark Esper", "PERSON"), ("Pompeo", "PERSON"), ("Esper", "PERSON"),
    ("Narendra Modi", "PERSON"), ("Rajnath Singh", "PERSON"), ("Pompeo", "ORG"), ("Modi", "GPE"),
    ("Singh", "GPE"), ("Li Li", "PERSON"), ("Li", "PERSON"), ("Pompeo's", "GPE"),
]


def test_short_mentions_resolve_to_the_full_name_in_the_same_article():
    out = canonicalise(spans_of(SEED_LIKE, SEED_MENTIONS))
    assert keys(out) == ["mike pompeo", "mark esper", "mike pompeo", "mark esper", "narendra modi",
                         "rajnath singh", "mike pompeo", "narendra modi", "rajnath singh", "li li", "li li",
                         "mike pompeo"]
    # The article-level vote makes every Pompeo, Modi and Singh a PERSON, whatever spaCy said.
    assert {s.label for s in out} == {"PERSON"}
    # Offsets and surface text are those of the mention, so the reader highlights the right words.
    assert [(s.start, s.end, s.text) for s in out] == [
        (s.start, s.end, s.text) for s in spans_of(SEED_LIKE, SEED_MENTIONS)]


def test_pairs_of_places_split_into_the_two_places():
    text = "U.S.-India ties grew as U.S.-China talks stalled; India and China met. Hewlett-Packard and Coca-Cola " \
           "and the Rolls-Royce plant in Derby-Acme."
    out = canonicalise(spans_of(text, [
        ("U.S.-India", "ORG"), ("U.S.-China", "GPE"), ("India", "GPE"), ("China", "GPE"),
        ("Hewlett-Packard", "ORG"), ("Coca-Cola", "ORG"), ("Rolls-Royce", "ORG"), ("Derby-Acme", "GPE")]))
    assert [(s.text, s.key, s.label) for s in out[:4]] == [
        ("U.S.", "united states", "GPE"), ("India", "india", "GPE"),
        ("U.S.", "united states", "GPE"), ("China", "china", "GPE")]
    assert [text[s.start:s.end] for s in out[:4]] == ["U.S.", "India", "U.S.", "China"]
    assert [s.key for s in out[6:]] == ["hewlett-packard", "coca-cola", "rolls-royce", "derby-acme"]


def test_a_full_name_later_in_the_article_also_counts():
    text = "Esper arrived first. Later, U.S. Secretary of Defense Mark T. Esper spoke."
    out = canonicalise(spans_of(text, [("Esper", "PERSON"), ("Mark T. Esper", "PERSON")]))
    assert keys(out) == ["mark esper", "mark esper"]


def test_a_title_in_front_of_a_full_name_does_not_make_a_second_person():
    text = "Composer John Smith won. John Smith thanked the orchestra. Smith smiled."
    out = canonicalise(spans_of(text, [("Composer John Smith", "PERSON"), ("John Smith", "PERSON"),
                                       ("Smith", "PERSON")]))
    assert keys(out) == ["john smith"] * 3


def test_ambiguous_surname_in_one_article_stays_apart():
    text = "John Smith and Anna Smith met. Smith said hello."
    out = canonicalise(spans_of(text, [("John Smith", "PERSON"), ("Anna Smith", "PERSON"), ("Smith", "PERSON")]))
    assert keys(out) == ["john smith", "anna smith", "smith"]


def test_known_countries_never_become_a_persons_surname():
    text = "Tom Britain scored. Britain voted."
    out = canonicalise(spans_of(text, [("Tom Britain", "PERSON"), ("Britain", "GPE")]))
    assert keys(out) == ["tom britain", "united kingdom"]


def test_label_vote_ties_go_to_the_more_specific_label():
    text = "Acme rose. Acme fell."
    out = canonicalise(spans_of(text, [("Acme", "GPE"), ("Acme", "ORG")]))
    assert {s.label for s in out} == {"ORG"}


def test_known_types_beat_a_wrong_label():
    text = "Pompeo will travel to Sri Lanka, the Maldives and Chad, the South China Morning Post said."
    out = by_text(canonicalise(spans_of(text, [("Sri Lanka", "PERSON"), ("the Maldives", "ORG"), ("Chad", "PERSON"),
                                               ("the South China Morning Post", "LOC")])))
    assert out["Sri Lanka"] == ("sri lanka", "GPE")
    assert out["the Maldives"] == ("maldives", "GPE")
    assert out["Chad"] == ("chad", "PERSON")  # also a first name: not in the table
    assert out["the South China Morning Post"] == ("south china morning post", "ORG")


def test_numbers_and_dates_keep_their_labels_and_text_keys():
    text = "On Monday (Oct. 26) 60,000 troops, 8 percent of $40 million, stood for the first time."
    mentions = [("Monday", "DATE"), ("Oct. 26", "DATE"), ("60,000", "CARDINAL"), ("8 percent", "PERCENT"),
                ("$40 million", "MONEY"), ("first", "ORDINAL")]
    out = canonicalise(spans_of(text, mentions))
    assert [(s.label, s.key) for s in out] == [("DATE", "monday"), ("DATE", "oct 26"), ("CARDINAL", "60,000"),
                                               ("PERCENT", "8 percent"), ("MONEY", "$40 million"),
                                               ("ORDINAL", "first")]


# -- what the library already knows -----------------------------------------------------------------

def _indexed(catalog: Catalog, article_id: str, text: str, mentions) -> list[EntitySpan]:
    """Index one article as sync does: canonicalise with the library's knowledge, record it, commit."""
    spans = canonicalise(spans_of(text, mentions), known=catalog, text=text)
    touched = catalog.put_article(Article(id=article_id, title="t", body=text, source_key=article_id)
                                  .with_entities(tuple(spans)))
    catalog.refresh_entity_stats(touched, default_aliases(), NOISE_LABELS)
    catalog.commit()
    return spans


def _removed(catalog: Catalog, article_id: str) -> None:
    catalog.refresh_entity_stats(catalog.delete_article(article_id), default_aliases(), NOISE_LABELS)
    catalog.commit()


def _shown_as(catalog: Catalog, key: str) -> str | None:
    """The entity the library lists ``key`` under (None: not listed)."""
    found = catalog.resolved_keys([key]).get(key)
    return found[0] if found else None


def test_library_knowledge_resolves_bare_surnames_and_votes_labels(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    _indexed(catalog, "a", SEED_LIKE, SEED_MENTIONS)
    _indexed(catalog, "acme1", "Acme and Acme and Acme.", [("Acme", "ORG")] * 3)

    # A later article names Pompeo only by surname, and spaCy calls him a PERSON there: the library
    # lists it under the full name it knows (one entity, two articles), and the article's own label
    # that disagrees is outvoted within the article.
    later = _indexed(catalog, "b", "Pompeo said so. Pompeo left.", [("Pompeo", "PERSON"), ("Pompeo", "GPE")])
    assert {(s.key, s.label) for s in later} == {("pompeo", "PERSON")}
    assert _shown_as(catalog, "pompeo") == "mike pompeo"
    assert catalog.entity("mike pompeo").articles == 2 and catalog.entity("pompeo") is None
    # A label this article got wrong is outvoted by the library.
    acme = canonicalise(spans_of("Acme grew.", [("Acme", "GPE")]), known=catalog)
    assert (acme[0].key, acme[0].label) == ("acme", "ORG")
    # A bare name that reads as a place is not pulled into a person with that surname.
    _indexed(catalog, "c", "George Washington slept here.", [("George Washington", "PERSON")])
    _indexed(catalog, "d", "Washington said no.", [("Washington", "GPE")])
    assert _shown_as(catalog, "washington") == "washington"


def test_two_people_sharing_a_surname_in_different_articles_do_not_merge(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    music = _indexed(catalog, "m", "Composer John Smith won. John Smith thanked them. Smith smiled.",
                     [("Composer John Smith", "PERSON"), ("John Smith", "PERSON"), ("Smith", "PERSON")])
    tennis = _indexed(catalog, "t", "Anna Smith reached the final. Smith won.",
                      [("Anna Smith", "PERSON"), ("Smith", "ORG")])
    assert keys(music) == ["john smith"] * 3
    assert keys(tennis) == ["anna smith"] * 2
    # A third article with only "Smith" cannot know which one: it stays its own entity.
    _indexed(catalog, "x", "Smith appeared.", [("Smith", "PERSON")])
    assert _shown_as(catalog, "smith") == "smith"
    # With one of them gone from the library, the surname is no longer ambiguous: the library changes
    # its mind at that commit, without the bare article being indexed again.
    _removed(catalog, "t")
    assert _shown_as(catalog, "smith") == "john smith" and catalog.entity("john smith").articles == 2
    _indexed(catalog, "t", "Anna Smith reached the final. Smith won.", [("Anna Smith", "PERSON"), ("Smith", "ORG")])
    assert _shown_as(catalog, "smith") == "smith"
    _removed(catalog, "t")
    _removed(catalog, "m")
    assert _shown_as(catalog, "smith") == "smith" and catalog.entity("john smith") is None
    catalog.close()


def test_running_label_totals_match_the_mentions(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    _indexed(catalog, "a", SEED_LIKE, SEED_MENTIONS)
    _indexed(catalog, "b", "Pompeo said so. Pompeo left.", [("Pompeo", "PERSON"), ("Pompeo", "GPE")])
    _indexed(catalog, "c", "Acme and Acme.", [("Acme", "ORG"), ("Acme", "GPE")])
    _indexed(catalog, "c", "Acme grew.", [("Acme", "GPE")])  # the same article, re-indexed
    catalog.delete_article("b")

    def from_mentions():
        rows = catalog.db.execute("SELECT key, label, sum(count) FROM mentions GROUP BY key, label").fetchall()
        return {(k, lab): n for k, lab, n in rows}

    totals = catalog.label_counts([k for k, _ in from_mentions()])
    assert {(k, lab): n for k, c in totals.items() for lab, n in c.items()} == from_mentions()
    assert totals["mike pompeo"] == {"PERSON": 4} and sum(totals["acme"].values()) == 1
    catalog.close()


# -- how an entity is shown --------------------------------------------------------------------------

def test_display_name_and_alias_list():
    surfaces = Counter({"Esper": 4, "Mark Esper": 3, "Mark T. Esper": 1})
    assert display_name("mark esper", surfaces) == "Mark Esper"
    assert alias_list("Mark Esper", surfaces) == ["Esper", "Mark T. Esper"]
    dod = Counter({"the U.S. Defense Department": 1, "DOD": 2, "Defense Department": 1,
                   "the Defense Department": 1})
    assert display_name("department of defense", dod) == "Department of Defense"
    assert alias_list("Department of Defense", dod) == ["DOD", "Defense Department", "U.S. Defense Department"]
    assert display_name("china", Counter({"China's": 2, "China": 1})) == "China"
    assert alias_list("China", Counter({"China's": 2, "China": 1, "the China": 1})) == []


# -- properties over any article ---------------------------------------------------------------------

WORDS = ["Mark Esper", "Esper", "Mark T. Esper", "Pompeo", "Mike Pompeo", "US", "U.S.", "the U.S.", "China's",
         "Smith", "John Smith", "Anna Smith", "State", "60,000", "Monday", "Britain", "U.S.-China", "China",
         "Hewlett-Packard"]
LABELS = ["PERSON", "ORG", "GPE", "LOC", "NORP", "CARDINAL", "DATE"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(LABELS)), max_size=25))
def test_canonicalise_keeps_offsets_and_gives_one_label_per_key(mentions):
    text = " . ".join(m for m, _ in mentions)
    spans = spans_of(text, mentions)
    out = canonicalise(spans)
    # Every output span is the input span or a piece of it (a split place pair), in text order.
    assert all(any(s.start <= o.start < o.end <= s.end for s in spans) for o in out)
    assert all(text[o.start:o.end] == o.text and o.key for o in out)
    assert [o.start for o in out] == sorted(o.start for o in out)
    labels: dict[str, set[str]] = {}
    for s in out:
        if s.label not in NOISE_LABELS:
            labels.setdefault(s.key, set()).add(s.label)
    assert all(len(v) == 1 for v in labels.values()), labels
    # Spans are dropped only as title fragments, and split only as place pairs.
    covered = {(s.start, s.end) for s in spans if any(s.start <= o.start < o.end <= s.end for o in out)}
    dropped = [s for s in spans if (s.start, s.end) not in covered]
    assert all(s.text == "State" and s.label == "ORG" for s in dropped)
    split = [s for s in spans if (s.start, s.end) in covered and (s.start, s.end) not in {(o.start, o.end) for o in out}]
    assert all(s.text == "U.S.-China" for s in split)
