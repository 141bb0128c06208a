"""Related articles: text similarity (Whoosh more-like-this) blended with shared canonical entities.

Text alone ranks two stories about the same meeting below a long article that merely shares common
words; entities alone cannot tell a profile from a news story. Each signal is scaled to its best
score and the two are averaged, entities weighted a little higher because they name the event.
"""

from __future__ import annotations

import math

from whoosh import query as wq

from .entities.canonical import NOISE_LABELS
from .search import hit_from_fields

TEXT_WEIGHT = 0.45
ENTITY_WEIGHT = 0.55


def related(store, catalog, article_id: str, limit: int = 10):
    with store.searcher() as s:
        docnum = s.document_number(id=article_id)
        if docnum is None:
            return []
        text_scores: dict[int, float] = {}
        try:
            for hit in s.more_like(docnum, "body", numterms=30, top=limit * 5):
                text_scores[hit.docnum] = hit.score
        except Exception:
            pass
        keys = [(k, n) for k, n in catalog.keys_of(article_id)]
        stats = {k: catalog.entity(k) for k, _ in keys}
        total_docs = max(1, s.doc_count())
        terms = []
        for key, count in keys:
            row = stats.get(key)
            if row is None or row.label in NOISE_LABELS or row.articles < 2:
                continue
            idf = math.log(1 + total_docs / row.articles)
            terms.append(wq.Term("ekeys", key, boost=idf * (1 + math.log(count))))
        entity_scores: dict[int, float] = {}
        if terms:
            for hit in s.search(wq.Or(terms), limit=limit * 5):
                if hit.docnum != docnum:
                    entity_scores[hit.docnum] = hit.score
        text_scores.pop(docnum, None)
        best_text = max(text_scores.values(), default=0.0) or 1.0
        best_entity = max(entity_scores.values(), default=0.0) or 1.0
        combined = {
            d: TEXT_WEIGHT * text_scores.get(d, 0.0) / best_text + ENTITY_WEIGHT * entity_scores.get(d, 0.0) / best_entity
            for d in set(text_scores) | set(entity_scores)
        }
        ranked = sorted(combined.items(), key=lambda kv: -kv[1])[:limit]
        return [hit_from_fields(s.stored_fields(d), score) for d, score in ranked]
