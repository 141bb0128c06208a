"""The Whoosh schema: what is searchable, what is stored, what is sortable.

Stemmed ``title``/``body`` give good recall for ordinary words; ``exact`` is an unstemmed copy of both
because fuzzy terms, prefixes and spelling suggestions go wrong on stems (see docs: "kernel memori").
Entity fields hold canonical names *and* the spellings seen, so ``person:"Mark T. Esper"`` and
``person:Esper`` both find an article that only says "Mark Esper".
"""

from __future__ import annotations

from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import BOOLEAN, DATETIME, ID, NUMERIC, STORED, TEXT, Schema

ENTITY_FIELDS = ("person", "org", "place", "entity")


def _names():
    # Entity names keep stop words and one-letter tokens ("The Who", "S Jaishankar").
    return StandardAnalyzer(stoplist=None, minsize=1)


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(stored=True, analyzer=StemmingAnalyzer(), field_boost=2.0),
        body=TEXT(stored=True, analyzer=StemmingAnalyzer()),
        exact=TEXT(analyzer=StandardAnalyzer(stoplist=None), phrase=False),
        source=TEXT(stored=True, analyzer=_names()),
        published=DATETIME(stored=True, sortable=True),
        sortdate=DATETIME(stored=True, sortable=True),
        path=ID(stored=True),
        url=ID(stored=True),
        words=NUMERIC(stored=True),
        partial=BOOLEAN(stored=True),
        person=TEXT(analyzer=_names()),
        org=TEXT(analyzer=_names()),
        place=TEXT(analyzer=_names()),
        entity=TEXT(analyzer=_names()),
        spans=STORED(),
    )
