"""Each rule that makes the library's entity lists trustworthy, on small texts written for it.

Span repair, acronyms an article defines, words glued in front of a name, titles that say a person's
sex, royal titles, the knowledge file's kinds, forms of one group, and the library-wide decisions
(``entities.resolve``) made from counts alone; then the same decisions made by a real catalog as
articles come and go.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from newsreader.index.article import Article, EntitySpan
from newsreader.index.entities import resolve
from newsreader.index.entities.canonical import (NOISE_LABELS, build_aliases, canonicalise, default_aliases,
                                                 normalise, repair_spans, title_sex)
from newsreader.index.store.catalog import Catalog

from test_canonical import by_text, keys, spans_of


def _repaired(text: str, label: str = "ORG") -> list[str]:
    return [s.text for s in repair_spans([EntitySpan(0, len(text), label, text)])]


# -- span repair -------------------------------------------------------------------------------------

def test_boilerplate_prefixes_and_stray_punctuation_are_cut():
    assert _repaired("Source:- Acme Daily") == ["Acme Daily"]
    assert _repaired("Photo: Jane Doe") == ["Jane Doe"]
    assert _repaired('"Acme Corp\'') == ["Acme Corp"]
    assert _repaired("Acme Corp' '") == ["Acme Corp"]


def test_spans_holding_two_names_are_split():
    assert _repaired("Northtown v Southville Rovers") == ["Northtown", "Southville Rovers"]
    assert _repaired("Northtown vs Southville") == ["Northtown", "Southville"]
    assert _repaired("Acme News - Jane Doe") == ["Acme News", "Jane Doe"]
    assert _repaired("Acme News\nJane Doe") == ["Acme News", "Jane Doe"]
    # A hyphen inside a name is part of it.
    assert _repaired("Al-Rashid Group") == ["Al-Rashid Group"]


def test_leading_connectives_and_fragments_go():
    assert _repaired("Nevertheless Jane Doe", "PERSON") == ["Jane Doe"]
    assert _repaired("However Acme") == ["Acme"]
    for fragment in ("the", "x", "And", "--", "'s", "millions"):
        assert _repaired(fragment) == [], fragment


def test_a_title_before_a_persons_span_is_taken_in():
    text = "Later Mrs Doe said no, and Dr. Roe agreed."
    spans = [EntitySpan(text.index("Doe"), text.index("Doe") + 3, "PERSON", "Doe"),
             EntitySpan(text.index("Roe"), text.index("Roe") + 3, "PERSON", "Roe")]
    fixed = repair_spans(spans, text)
    assert [s.text for s in fixed] == ["Mrs Doe", "Dr. Roe"]
    assert all(text[s.start:s.end] == s.text for s in fixed)
    assert title_sex("Mrs Doe") == "f" and title_sex("Sir John Roe") == "m" and title_sex("Dr Roe") == ""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("AbCd eF:-v\n()'\".,\u2013Mr")), max_size=40),
       st.sampled_from(["PERSON", "ORG", "GPE", "DATE"]))
def test_repaired_spans_always_line_up_with_the_text(text, label):
    padded = f"xx {text} yy"
    span = EntitySpan(3, 3 + len(text), label, text)
    for fixed in repair_spans([span], padded):
        assert padded[fixed.start:fixed.end] == fixed.text
        assert 0 <= fixed.start <= fixed.end <= len(padded)
        if label not in NOISE_LABELS:
            assert fixed.text == fixed.text.strip() and any(c.isupper() or c.isdigit() for c in fixed.text)


# -- one article -------------------------------------------------------------------------------------

def test_an_acronym_the_article_defines_joins_its_long_form():
    text = "The Northern Shipping Authority (NSA) said so. Later the NSA denied it. The GB team won."
    out = canonicalise(spans_of(text, [("Northern Shipping Authority", "ORG"), ("NSA", "ORG"), ("NSA", "ORG"),
                                       ("GB", "GPE")]))
    assert keys(out)[:3] == ["northern shipping authority"] * 3
    # Capitals after a name whose initials do not spell them are not its acronym.
    text = "Greg Rusedski (GB) won."
    out = canonicalise(spans_of(text, [("Greg Rusedski", "PERSON"), ("GB", "GPE")]))
    assert keys(out) == ["greg rusedski", "gb"]


def test_words_glued_in_front_of_a_name_of_the_article_are_cut():
    text = "Critics Slam Jane Doe. Jane Doe replied."
    out = canonicalise(spans_of(text, [("Critics Slam Jane Doe", "PERSON"), ("Jane Doe", "PERSON")]))
    assert [(s.text, s.key) for s in out] == [("Jane Doe", "jane doe")] * 2
    assert text[out[0].start:out[0].end] == "Jane Doe"


def test_a_womans_title_next_to_a_mans_full_name_stays_apart():
    text = "Peter Quill spoke. Mr Quill said yes. Mrs Quill said no. Mr Quill left."
    spans = spans_of(text, [("Peter Quill", "PERSON"), ("Quill", "PERSON"), ("Quill", "PERSON"), ("Quill", "PERSON")])
    out = canonicalise(spans, text=text)
    assert [(s.text, s.key) for s in out] == [("Peter Quill", "peter quill"), ("Mr Quill", "peter quill"),
                                              ("Mrs Quill", "mrs quill"), ("Mr Quill", "peter quill")]


def test_a_different_middle_initial_is_a_different_person():
    text = "John A. Doe founded the firm; his son John B. Doe runs it. John Doe spoke."
    out = canonicalise(spans_of(text, [("John A. Doe", "PERSON"), ("John B. Doe", "PERSON"), ("John Doe", "PERSON")]))
    assert keys(out) == ["john a doe", "john b doe", "john doe"]
    # One initial alone is the same man as the name without it.
    text = "Later, Secretary Mark T. Esper spoke. Mark Esper left."
    out = canonicalise(spans_of(text, [("Mark T. Esper", "PERSON"), ("Mark Esper", "PERSON")]))
    assert keys(out) == ["mark esper", "mark esper"]


def test_a_royal_title_and_one_name_is_a_name_of_its_own():
    assert normalise("Prince Albert", "PERSON") == "prince albert"
    text = "Albert Finch spoke. Prince Albert arrived. Finch left."
    out = canonicalise(spans_of(text, [("Albert Finch", "PERSON"), ("Prince Albert", "PERSON"), ("Finch", "PERSON")]))
    assert keys(out) == ["albert finch", "prince albert", "albert finch"]


def test_the_knowledge_files_kinds_type_names_and_users_add_their_own():
    table = default_aliases()
    assert table.kind_of("northtown united") == "ORG" and table.kind_of("team northland") == "ORG"
    assert table.kind_of("green party") == "ORG" and table.kind_of("winter festival") == "EVENT"
    assert table.kind_of("jane doe") is None and table.kind_of("united") is None
    text = "Northtown United beat them. The kick-off was at 3pm GMT."
    out = by_text(canonicalise(spans_of(text, [("Northtown United", "PERSON"), ("GMT", "ORG")])))
    assert out == {"Northtown United": ("northtown united", "ORG")}  # GMT is never an entity
    mine = build_aliases(None, {"PRODUCT": ["Zapp"], "ORG": ["* Collective"]})
    assert mine.kind_of("zapp") == "PRODUCT" and mine.kind_of("river collective") == "ORG"
    out = canonicalise(spans_of("Zapp sold well.", [("Zapp", "PERSON")]), mine)
    assert (out[0].key, out[0].label) == ("zapp", "PRODUCT")


# -- library-wide decisions, from counts -------------------------------------------------------------

def test_a_partial_name_goes_to_the_full_name_its_spelling_is_used_for():
    person = Counter({"PERSON": 5})
    # "Quill" is written for Peter Quill 40 times, for Anna Quill twice: clear.
    assert resolve.choose("quill", person, Counter({"Quill": 5}), Counter({"peter quill": 40, "anna quill": 2}),
                          {}, {"peter quill", "anna quill"}) == "peter quill"
    # Used for both about as often: apart.
    assert resolve.choose("quill", person, Counter({"Quill": 5}), Counter({"peter quill": 4, "anna quill": 3}),
                          {}, {"peter quill", "anna quill"}) is None
    # One stray use does not claim a name met often on its own.
    assert resolve.choose("quill", person, Counter({"Quill": 60}), Counter({"peter quill": 1}), {},
                          {"peter quill"}) is None
    # No uses: the one person with that surname; two such people: apart.
    assert resolve.choose("quill", person, Counter({"Quill": 1}), Counter(), {}, {"peter quill"}) == "peter quill"
    assert resolve.choose("quill", person, Counter({"Quill": 1}), Counter(), {},
                          {"peter quill", "anna quill"}) is None
    # Not a person: never a surname.
    assert resolve.choose("quill", Counter({"GPE": 3}), Counter({"Quill": 3}), Counter({"peter quill": 9}), {},
                          {"peter quill"}) is None


def test_titles_of_the_other_sex_keep_a_partial_name_apart():
    person = Counter({"PERSON": 2})
    assert resolve.choose("mrs quill", person, Counter({"Mrs Quill": 2}), Counter(), {"peter quill": "m"},
                          {"peter quill"}) is None
    assert resolve.choose("mrs quill", person, Counter({"Mrs Quill": 2}), Counter(), {"anna quill": "f"},
                          {"anna quill"}) == "anna quill"
    assert resolve.sex_of(Counter({"Mr Quill": 9, "Quill": 30, "Mrs Quill": 1})) == "m"
    assert resolve.sex_of(Counter({"Mr Quill": 2, "Mrs Quill": 2})) == ""


def test_an_acronym_goes_to_the_long_form_articles_define_it_as():
    assert resolve.choose("nsa", Counter({"ORG": 4}), Counter({"NSA": 4}),
                          Counter({"northern shipping authority": 3}), {}, set()) == "northern shipping authority"


def test_forms_of_one_group():
    assert {"whig", "whigs party"} <= resolve.forms("whigs") and "whigs" in resolve.forms("whig")
    assert "green" in resolve.forms("green party") and "green party" in resolve.forms("green")
    assert "tory" in resolve.forms("tories") and "tories" in resolve.forms("tory")
    assert resolve.abbreviates("soc dems", "social democrats")
    assert not resolve.abbreviates("social democrats", "soc dems") and not resolve.abbreviates("soc dem", "sox dems")


def test_a_person_the_library_never_writes_as_one_is_not_listed_as_one():
    table = default_aliases()
    # A one-word "person" never titled nor anyone's surname: the vote's next label, else ORG.
    assert resolve.entity_label("zorbex", Counter({"PERSON": 40}), Counter({"Zorbex": 40}), table) == "ORG"
    assert resolve.entity_label("zorbex", Counter({"PERSON": 40, "GPE": 2}), Counter({"Zorbex": 42}), table) == "GPE"
    assert resolve.entity_label("quill", Counter({"PERSON": 40}), Counter({"Mr Quill": 3, "Quill": 37}),
                                table) == "PERSON"
    assert resolve.entity_label("quill", Counter({"PERSON": 9}), Counter({"Quill": 9}), table,
                                named_elsewhere=True) == "PERSON"
    # A full name met often that nobody ever shortens or titles (a band, a film) is not one either.
    assert resolve.entity_label("velvet anchors", Counter({"PERSON": 30}), Counter({"Velvet Anchors": 30}),
                                table) == "ORG"
    assert resolve.entity_label("peter quill", Counter({"PERSON": 30}),
                                Counter({"Peter Quill": 20, "Quill": 10}), table) == "PERSON"
    assert resolve.entity_label("northtown united", Counter({"PERSON": 30}), Counter(), table) == "ORG"


# -- a real catalog, incrementally -------------------------------------------------------------------

def _index(catalog: Catalog, article_id: str, text: str, mentions) -> None:
    spans = canonicalise(spans_of(text, mentions), known=catalog, text=text)
    touched = catalog.put_article(Article(id=article_id, title="t", body=text, source_key=article_id)
                                  .with_entities(tuple(spans)))
    catalog.refresh_entity_stats(touched, default_aliases(), NOISE_LABELS)
    catalog.commit()


def _remove(catalog: Catalog, article_id: str) -> None:
    catalog.refresh_entity_stats(catalog.delete_article(article_id), default_aliases(), NOISE_LABELS)
    catalog.commit()


def _listed(catalog: Catalog) -> dict[str, tuple[str, int]]:
    return {r.name: (r.label, r.articles) for r in catalog.top_entities(limit=100)}


def test_a_bare_surname_follows_the_library_as_articles_come_and_go(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    # The bare surname comes first, before any full name: listed on its own.
    _index(catalog, "1", "Dr Quill spoke at noon.", [("Quill", "PERSON")])
    assert _listed(catalog)["Dr Quill"] == ("PERSON", 1)
    # An article that says who he is: from then on one entry, without re-reading article 1.
    _index(catalog, "2", "Peter Quill arrived. Quill smiled. Mr Quill left.",
           [("Peter Quill", "PERSON"), ("Quill", "PERSON"), ("Quill", "PERSON")])
    assert _listed(catalog)["Peter Quill"] == ("PERSON", 2) and "Dr Quill" not in _listed(catalog)
    # A second Quill, also called "Quill" in her articles: the bare one is nobody's for sure.
    _index(catalog, "3", "Anna Quill won. Quill thanked them. Quill left.",
           [("Anna Quill", "PERSON"), ("Quill", "PERSON"), ("Quill", "PERSON")])
    listed = _listed(catalog)
    assert listed["Peter Quill"] == ("PERSON", 1) and listed["Anna Quill"] == ("PERSON", 1)
    assert listed["Dr Quill"] == ("PERSON", 1)
    # She goes: his again.
    _remove(catalog, "3")
    assert _listed(catalog)["Peter Quill"] == ("PERSON", 2) and "Anna Quill" not in _listed(catalog)
    # The article that named him goes: the bare surname is listed on its own once more.
    _remove(catalog, "2")
    assert _listed(catalog) == {"Dr Quill": ("PERSON", 1)}
    catalog.close()


def test_forms_of_a_group_are_one_entry_and_split_again_when_one_goes(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    _index(catalog, "1", "The Whigs won. The Whigs cheered.", [("Whigs", "NORP"), ("Whigs", "NORP")])
    _index(catalog, "2", "A Whig spoke.", [("Whig", "NORP")])
    _index(catalog, "3", "The Whig Party met.", [("Whig Party", "ORG")])
    listed = _listed(catalog)
    whig = [name for name in listed if name.startswith("Whig")]
    assert len(whig) == 1 and listed[whig[0]][1] == 3, listed
    # An article naming two forms is one article of the entity, as `entity` lists it.
    _index(catalog, "4", "A Whig met the Whigs.", [("Whig", "NORP"), ("Whigs", "NORP")])
    assert _listed(catalog)[whig[0]][1] == 4 == len(catalog.articles_with(catalog.find_entity_keys("Whig", ["whig"])[0]))
    _remove(catalog, "4")
    _remove(catalog, "3")
    _remove(catalog, "2")
    assert _listed(catalog) == {"Whigs": ("NORP", 1)}
    catalog.close()
