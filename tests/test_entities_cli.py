"""Canonical entities across a real library (spaCy runs once for this module) and the entity commands.

The library holds the two seed articles plus short texts written for these rules: two different
Smiths, a bare "Smith", alias spellings of countries and the Pentagon, a possessive, a user alias from
config.toml, and articles with nothing to do with the seeds. The seeds sit in a subfolder, which the
sync walks after the top-level files, as a user's folders would be.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from newsreader.index.entities.canonical import NOISE_LABELS
from newsreader.index.library import Library
from newsreader.tui.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

TEXTS = {
    "a_music.txt": (
        "Composer John Smith wins the national music prize\n\n"
        "The composer John Smith won the national music prize on Friday for his third symphony. Smith, who "
        "grew up in Leeds, said the award belonged to the orchestra. Critics have praised Smith for his bold "
        "use of brass.\n"),
    "b_tennis.txt": (
        "Anna Smith reaches the final in Melbourne\n\n"
        "The tennis player Anna Smith reached the final of the Australian Open in Melbourne on Thursday. "
        "Smith beat the defending champion in three sets. Smith will play for the title on Saturday.\n"),
    "c_festival.txt": (
        "Crowds gather for the weekend festival in Leeds\n\n"
        "Thousands of visitors arrived in Leeds for the weekend festival. Organisers said Smith would appear "
        "on the main stage on Sunday evening.\n"),
    "d_trade.txt": (
        "Britain plans new trade talks\n\n"
        "Britain will open trade talks with the USA next month, officials said. The United Kingdom hopes the "
        "talks with the United States will cut tariffs on cars. The U.S. side will be led by trade officials "
        "from Washington. Canada's trade minister said the talks would help the region.\n"),
    "e_pentagon.txt": (
        "Pentagon reviews drone programme\n\n"
        "The Department of Defense said on Tuesday that it would review its drone programme. A DOD spokesman "
        "said the Defense Department expected the review to take six months and to cost $40 million. The U.S. "
        "Secretary of Defense, Mark T. Esper, ordered the review in March.\n"),
    "f_space.txt": (
        "Crew safe after debris alert\n\n"
        "The International Space Station was hit by a small piece of debris, NASA said. The ISS crew was safe "
        "and the station's orbit was unchanged.\n"),
}
CONFIG = '[aliases]\n"International Space Station" = ["ISS"]\n'


@pytest.fixture(scope="module")
def entity_home(tmp_path_factory) -> Path:
    """A library of the seeds and TEXTS with a user alias in config.toml; built once, read-only after."""
    root = tmp_path_factory.mktemp("entities")
    src = root / "src"
    shutil.copytree(SEEDS, src / "seeds")
    for name, text in TEXTS.items():
        (src / name).write_text(text, encoding="utf-8")
    home = root / "home"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG, encoding="utf-8")
    with Library.open(home) as library:
        report = library.sync([src])
        assert report.added == 2 + len(TEXTS) and not report.failed, report.to_dict()
    return home


@pytest.fixture
def lib(entity_home):
    with Library.open(entity_home) as library:
        yield library


def _ids(library, query: str) -> set[str]:
    return {h.id for h in library.search(query, limit=50).hits}


def _seed_ids(library) -> dict[str, str]:
    return {h.path.rsplit("/", 1)[-1][:3]: h.id for h in library.search("India", limit=50).hits
            if "/seeds/" in h.path}


def test_one_entity_per_person_country_and_body(lib):
    top = {e.name: e for e in lib.entities(limit=500)}
    esper = top["Mark Esper"]
    assert (esper.label, esper.articles) == ("PERSON", 3)
    assert {"Esper", "Mark T. Esper"} <= set(esper.aliases)
    us = top["United States"]
    assert us.label == "GPE" and us.articles == 4 and {"US", "U.S.", "USA"} <= set(us.aliases)
    uk = top["United Kingdom"]
    assert uk.articles == 1 and {"UK", "Britain"} & set(uk.aliases) == {"Britain"}
    dod = top["Department of Defense"]
    assert dod.label == "ORG" and dod.articles == 2
    assert {"DOD", "Defense Department", "U.S. Department of Defense"} <= set(dod.aliases)
    assert "Canada" in top and not any("'" in name or "\u2019" in name for name in top)
    # No spelling of a merged entity is listed as an entity of its own.
    for spelling in ("Esper", "Mark T. Esper", "Pompeo", "Singh", "Modi", "US", "U.S.", "USA", "Britain", "DOD",
                     "Defense Department", "State", "Defence"):
        assert spelling not in top, spelling


def test_types_are_voted_across_the_library(lib):
    # spaCy tags Pompeo PERSON, ORG and GPE and Singh and Modi GPE in the seeds.
    for name, articles in (("Mike Pompeo", 2), ("Rajnath Singh", 2), ("Narendra Modi", 1)):
        summary = lib.find_entity(name.split()[-1])
        assert (summary.name, summary.label, summary.articles) == (name, "PERSON", articles)
    seeds = _seed_ids(lib)
    for article_id in seeds.values():
        pompeo = [s for s in lib.article(article_id).entities if "Pompeo" in s.text]
        assert pompeo and {(s.key, s.label) for s in pompeo} == {("mike pompeo", "PERSON")}


def test_people_sharing_a_surname_stay_apart(lib):
    john, anna = lib.find_entity("John Smith"), lib.find_entity("Anna Smith")
    assert john.key == "john smith" and anna.key == "anna smith"
    assert (john.articles, anna.articles) == (1, 1)
    # "Composer John Smith" is the same man, the word in front cut off the span (span repair).
    assert john.mentions == 4 and "Smith" in john.aliases and "Composer John Smith" not in john.aliases
    # The festival article names only "Smith": with two Smiths known it joins neither.
    festival = next(h.id for h in lib.search("festival", limit=5).hits)
    smith = [s for s in lib.article(festival).entities if s.text == "Smith"]
    assert smith and {s.key for s in smith} == {"smith"}
    assert [h.id for h in lib.entity("John Smith").articles] != [festival]
    assert festival not in {h.id for h in lib.entity("Anna Smith").articles}


def test_user_alias_from_config(lib):
    iss = lib.find_entity("ISS")
    assert iss.name == "International Space Station" and "ISS" in iss.aliases and iss.articles == 1


def test_noise_is_kept_for_highlighting_but_not_listed(lib):
    assert not [e for e in lib.entities(limit=500) if e.label in NOISE_LABELS]
    noisy = lib.entities(limit=500, include_noise=True)
    assert {"DATE", "CARDINAL", "MONEY"} <= {e.label for e in noisy}
    seeds = _seed_ids(lib)
    labels = {s.label for s in lib.article(seeds["003"]).entities}
    assert "DATE" in labels and "PERSON" in labels


def test_canonical_names_feed_search_and_spans(lib):
    seeds = _seed_ids(lib)
    assert set(seeds.values()) <= _ids(lib, 'person:"Mark Esper"')
    assert _ids(lib, 'person:"Mark Esper"') == _ids(lib, 'person:"Mark T. Esper"') | set(seeds.values())
    # Whichever spelling an article uses, every alias finds it.
    assert set(seeds.values()) <= _ids(lib, "place:USA") and set(seeds.values()) <= _ids(lib, "place:US")
    assert set(seeds.values()) <= _ids(lib, 'place:"United States"')
    assert seeds["003"] in _ids(lib, 'org:"Department of Defense"') and seeds["003"] in _ids(lib, "org:Pentagon")
    assert set(seeds.values()) <= _ids(lib, 'person:"Mike Pompeo"')
    # Stored spans carry the canonical key, so the reader can highlight every mention of one entity.
    view = lib.article(seeds["003"])
    esper = [s for s in view.entities if "Esper" in s.text]
    assert {s.text for s in esper} == {"Mark T. Esper", "Esper"} and {s.key for s in esper} == {"mark esper"}
    assert all(view.body[s.start:s.end] == s.text for s in view.entities)
    assert {s.key for s in view.entities + view.title_entities if s.text.startswith("U.S.") and "-" not in s.text} \
        == {"united states"}


def test_entity_detail_articles_and_cooccurrence(lib):
    detail = lib.entity("Esper")
    assert detail.entity.name == "Mark Esper" and len(detail.articles) == 3
    seen_with = {e.name: n for e, n in detail.cooccurring}
    assert seen_with["United States"] == 3 and seen_with["Rajnath Singh"] == 2
    assert seen_with["Department of Defense"] == 2
    assert not any(e.label in NOISE_LABELS for e, _ in detail.cooccurring)
    order = [e.name for e, _ in detail.cooccurring]
    assert [n for _, n in detail.cooccurring] == sorted((n for _, n in detail.cooccurring), reverse=True)
    assert order[0] == "United States" and order.index("India") < order.index("Australia")
    assert lib.entity("Nobody Atall") is None


def _cli(capsys, *args) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_entities_and_entity(entity_home, capsys):
    home = str(entity_home)
    rc, out, _ = _cli(capsys, "entities", "--home", home, "--limit", "200", "--json")
    rows = json.loads(out)
    assert rc == 0 and {"name", "label", "aliases", "articles", "mentions", "key"} <= set(rows[0])
    assert [r["articles"] for r in rows] == sorted((r["articles"] for r in rows), reverse=True)
    by_name = {r["name"]: r for r in rows}
    assert by_name["Mark Esper"]["aliases"][:2] == ["Esper", "Mark T. Esper"]
    assert not {r["label"] for r in rows} & NOISE_LABELS

    rc, out, _ = _cli(capsys, "entities", "--home", home, "--type", "person", "--json")
    assert rc == 0 and {r["label"] for r in json.loads(out)} == {"PERSON"}

    rc, out, _ = _cli(capsys, "entity", "--home", home, "Esper", "--json")
    one = json.loads(out)
    assert rc == 0 and one["name"] == "Mark Esper" and one["label"] == "PERSON"
    assert len(one["articles_list"]) == 3 and "Esper" in one["aliases"]
    assert {"name": "Rajnath Singh", "shared": 2}.items() <= next(
        c for c in one["cooccurring"] if c["name"] == "Rajnath Singh").items()

    rc, out, _ = _cli(capsys, "entity", "--home", home, "the", "U.S.")
    assert rc == 0 and "United States" in out and "also written" in out and "Seen with" in out

    rc, _, err = _cli(capsys, "entity", "--home", home, "Nobody", "Atall")
    assert rc == 1 and "No entity called" in err


def test_place_means_the_labels_place_search_reads(lib):
    """``PLACE`` lists what ``place:`` searches (GPE, LOC and FAC), and a place's query uses ``place:``."""
    from newsreader.index.entities.canonical import labels_for_field
    from newsreader.index.models import EntitySummary

    assert labels_for_field("place") == {"GPE", "LOC", "FAC"}
    everything = lib.entities(limit=1000)
    places = lib.entities(labels=["place"], limit=1000)
    assert places and {e.key for e in places} == {e.key for e in everything if e.label in {"GPE", "LOC", "FAC"}}
    for label in ("GPE", "LOC", "FAC"):
        assert lib.entity_query(EntitySummary("k", "Somewhere", label, (), 1, 1)) == 'place:"Somewhere"'
    assert lib.entity_query(EntitySummary("k", "Someone", "NORP", (), 1, 1)) == 'entity:"Someone"'


def test_installed_entity_command_takes_any_listed_spelling_with_the_same_numbers(entity_home):
    """`newsreader entity SPELLING` (the installed command, in its own process) names the entity that
    `entities` lists that spelling under, with the article count `entities` shows."""
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "newsreader"
    env = dict(os.environ, NEWSREADER_HOME=str(entity_home))

    def jrun(*args):
        proc = subprocess.run([str(exe), *args, "--json"], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    listed = jrun("entities", "--limit", "200")
    checked = 0
    for row in listed:
        if row["articles"] < 2 or checked >= 6:
            continue
        for spelling in [row["name"], *row["aliases"]][:4]:
            owners = [r for r in listed if spelling == r["name"] or spelling in r["aliases"]]
            if max(r["articles"] for r in owners) != row["articles"]:
                continue  # a spelling two entities share goes to the one in more articles
            one = jrun("entity", spelling)
            assert (one["key"], one["articles"], len(one["articles_list"])) == \
                (row["key"], row["articles"], row["articles"]), spelling
            checked += 1
    assert checked >= 6
