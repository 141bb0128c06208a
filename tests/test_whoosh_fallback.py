"""Under another Whoosh than the one its internals were read for, the backend takes Whoosh's own paths
(its BufferFile, its writer, its searcher's collector) and gives the same answers.

Each run is a fresh interpreter that indexes the same small corpus and asks the same questions; the
second pretends, before anything imports Whoosh's internals, that Whoosh is 2.7.6.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

TEXTS = {
    "harbour.txt": "Harbour cranes idle as dock strike spreads\n\nDock workers in Felixstowe and Southampton walked "
                   "out on Monday. The Unite union said the strike at the harbour would last a week, and shipping "
                   "firms in London warned of delays to Christmas stock.\n",
    "markets.txt": "Markets fall on rate fears\n\nShares in London and Frankfurt fell on Tuesday as traders bet "
                   "that the Bank of England would raise interest rates again. The pound rose against the dollar; "
                   "the market for government bonds was calm.\n",
    "marketing.txt": "A market town reinvents its market\n\nThe weekly market in Ludlow has moved indoors. Traders "
                     "said the move would help in winter, and the town council hopes marketing the new hall will "
                     "bring visitors from Birmingham.\n",
}

QUESTIONS = [
    ("market", "relevance"), ("market", "date"), ("markets OR harbour", "relevance"), ('"interest rates"', "relevance"),
    ("London NOT strike", "relevance"), ("place:London", "relevance"), ("Esper", "date"), ("mark*", "date"),
    ("harbr", "relevance"), ("", "date"),
]

SCRIPT = """
import json, sys
if sys.argv[3] == "pretend":
    import whoosh
    whoosh.__version__ = (2, 7, 6)
from whoosh.filedb import structfile
original_init = structfile.BufferFile.__init__
from newsreader.index.library import Library
from newsreader.index.store.whoosh import segment_writer
from newsreader.index.store.whoosh.compat import internals_known

questions = json.loads(sys.argv[4])
with Library.open(sys.argv[2]) as library:
    library.sync([sys.argv[1]], workers=1)
    out = {"known": internals_known(), "own_buffer_file": structfile.BufferFile.__init__ is original_init,
           "bulk_writer": segment_writer.supported(), "count": library.article_count(), "answers": []}
    library.reopen()  # the articles read back from disk through whichever BufferFile is in place
    for text, sort in questions:
        result = library.search(text, limit=20, sort=sort)
        out["answers"].append([text, sort, result.total, result.corrected, result.error,
                               [[h.id, round(h.score, 5), h.snippet, list(map(list, h.highlights))] for h in result.hits]])
    first = sorted(h.id for h in library.search("", limit=50).hits)[0]
    view = library.article(first)
    out["article"] = [view.title, view.body, [list(s) for s in view.entities]]
    out["related"] = [h.id for h in library.related(first)]
    out["spans"] = library.match_spans(first, "market OR Esper")
print(json.dumps(out))
"""


def _run(tmp_path: Path, source: Path, name: str, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(source), str(tmp_path / name), mode, json.dumps(QUESTIONS)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_another_whoosh_version_takes_whooshs_own_paths_and_answers_the_same(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SEEDS, source)
    for name, text in TEXTS.items():
        (source / name).write_text(text, encoding="utf-8")
    fast = _run(tmp_path, source, "fast", "as-installed")
    public = _run(tmp_path, source, "public", "pretend")
    assert (fast["known"], fast["own_buffer_file"], fast["bulk_writer"]) == (True, False, True)
    assert (public["known"], public["own_buffer_file"], public["bulk_writer"]) == (False, True, False)
    assert fast["count"] == public["count"] == len(TEXTS) + 2
    for mine, theirs in zip(fast["answers"], public["answers"]):
        if mine[0] == "mark*":  # Whoosh scores a prefix's words 1.0 each below 5,000 articles (collect.py)
            mine, theirs = mine[:5] + [sorted(h[0] for h in mine[5])], theirs[:5] + [sorted(h[0] for h in theirs[5])]
        assert mine == theirs
    assert sum(answer[2] for answer in fast["answers"]) > 10  # the questions find things
    for key in ("article", "related", "spans"):
        assert fast[key] == public[key], key
