"""Related stories: the two seed articles (one event, two reports) find each other first.

The library adds distractors written for this test: a Pentagon brief that shares Mark Esper, the
Defense Department and the United States with one seed; a China-India trade story that shares the
countries; trade talks with the US; and two articles about nothing in the seeds (football, cooking).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsreader.index.errors import NoSuchArticle
from newsreader.index.library import Library
from newsreader.index.search.related import entity_scores

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

TEXTS = {
    "pentagon.txt": (
        "Pentagon reviews drone programme\n\n"
        "The Department of Defense said on Tuesday that it would review its drone programme. A DOD spokesman "
        "said the Defense Department expected the review to take six months. The U.S. Secretary of Defense, "
        "Mark T. Esper, ordered the review in March.\n"),
    "trade.txt": (
        "China and India trade figures rise\n\n"
        "Trade between China and India rose by 8 percent last year, according to customs figures published in "
        "Beijing. Exports from China to India grew faster than imports, and officials in New Delhi said they "
        "hoped to narrow the gap. Analysts said the two economies remain closely linked despite the border "
        "dispute.\n"),
    "talks.txt": (
        "Britain plans new trade talks\n\n"
        "Britain will open trade talks with the USA next month, officials said. The United Kingdom hopes the "
        "talks with the United States will cut tariffs on cars.\n"),
    "football.txt": (
        "Late goal sends Rovers into the cup semi-final\n\n"
        "A header in the final minute sent Rovers into the semi-final of the cup on Saturday. The striker Tom "
        "Baker scored from a corner after Rovers had trailed for most of the match at a rain-soaked stadium. "
        "Baker said the dressing room was delighted and the manager praised the fans who travelled to the "
        "away game. The semi-final will be played next month.\n"),
    "cooking.txt": (
        "How to make a simple tomato soup\n\n"
        "Soften an onion and two cloves of garlic in olive oil, then add a kilogram of ripe tomatoes and a "
        "pinch of salt. Simmer for twenty minutes, blend until smooth and finish with a spoonful of cream. "
        "Chef Maria Lopez says the secret is to roast the tomatoes first, and she serves the soup with bread.\n"),
}


@pytest.fixture(scope="module")
def related_home(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("related")
    src = root / "src"
    shutil.copytree(SEEDS, src / "seeds")
    for name, text in TEXTS.items():
        (src / name).write_text(text, encoding="utf-8")
    with Library.open(root / "home") as library:
        report = library.sync([src])
        assert report.added == 2 + len(TEXTS) and not report.failed, report.to_dict()
    return root / "home"


@pytest.fixture
def lib(related_home):
    with Library.open(related_home) as library:
        yield library


def _by_file(library) -> dict[str, str]:
    hits = library.search("", limit=50).hits
    return {Path(h.path).name.split("_")[0].removesuffix(".txt"): h.id for h in hits}


def test_the_two_seed_reports_are_each_others_first_related_article(lib):
    ids = _by_file(lib)
    for this, other in (("000", "003"), ("003", "000")):
        ranked = [h.id for h in lib.related(ids[this])]
        assert ranked[0] == ids[other], (this, ranked)
        assert ids[this] not in ranked
        for unrelated in ("football", "cooking"):
            if ids[unrelated] in ranked:
                assert ranked.index(ids[unrelated]) > ranked.index(ids[other])
        scores = [h.score for h in lib.related(ids[this])]
        assert scores == sorted(scores, reverse=True)


def test_sharing_many_specific_entities_beats_a_short_brief_sharing_a_few(lib):
    ids = _by_file(lib)
    shared = entity_scores(lib.catalog, ids["003"])
    # The Pentagon brief shares Esper, the Defense Department and the US; the other seed shares a dozen.
    assert shared[ids["000"]] > 2 * shared[ids["pentagon"]] > 0
    assert ids["football"] not in shared and ids["cooking"] not in shared
    assert ids["003"] not in shared


def test_related_of_an_unrelated_article_and_limits(lib):
    ids = _by_file(lib)
    ranked = [h.id for h in lib.related(ids["football"], limit=3)]
    assert len(ranked) <= 3 and ids["football"] not in ranked
    assert len(lib.related(ids["000"], limit=1)) == 1
    with pytest.raises(NoSuchArticle):
        lib.related("no-such-article")
