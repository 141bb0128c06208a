"""Related articles: text similarity (Whoosh more-like-this) blended with shared canonical entities.

Text alone ranks two stories about the same meeting below a long article that merely shares common
words; entities alone cannot tell a profile from a news story. Each signal is scaled to its best
score and the two are averaged, entities weighted a little higher because they name the event.

The entity signal is counted from the catalog, not searched in Whoosh: BM25 on the key field favours
articles with few entities (length normalisation), so a three-entity brief that shares one famous
name outranked the full report of the same meeting. Here every shared entity adds its rarity
(idf), scaled by how much each article talks about it, so sharing many specific names wins.
"""

from __future__ import annotations

import math
from collections import defaultdict

from ..entities.canonical import NOISE_LABELS
from .searcher import hit_from_fields

TEXT_WEIGHT = 0.45
ENTITY_WEIGHT = 0.55
CANDIDATES = 5  # times ``limit``: how many of each signal's best are blended


def entity_scores(catalog, article_id: str) -> dict[str, float]:
    """Article id -> how much it shares with ``article_id`` in named entities (noise left out)."""
    own = dict(catalog.keys_of(article_id))
    rows = {k: catalog.entity(k) for k in own}
    weights = {}
    total = max(1, catalog.count_articles())
    for key, count in own.items():
        row = rows.get(key)
        if row is None or row.label in NOISE_LABELS or row.articles < 2:
            continue
        weights[key] = math.log(1 + total / row.articles) * (1 + math.log(count))
    scores: dict[str, float] = defaultdict(float)
    for other, key, count in catalog.articles_sharing(weights, exclude=article_id):
        scores[other] += weights[key] * (1 + math.log(max(1, count)))
    return dict(scores)


def related(store, catalog, article_id: str, limit: int = 10):
    with store.searcher() as s:
        docnum = s.document_number(id=article_id)
        if docnum is None:
            return []
        text_scores: dict[int, float] = {}
        try:
            for hit in s.more_like(docnum, "body", numterms=30, top=limit * CANDIDATES):
                text_scores[hit.docnum] = hit.score
        except Exception:  # more_like raises on an article with no body terms; entities may still help
            pass
        text_scores.pop(docnum, None)
        by_entities: dict[int, float] = {}
        best_ids = sorted(entity_scores(catalog, article_id).items(), key=lambda kv: -kv[1])[:limit * CANDIDATES]
        for other, score in best_ids:
            d = s.document_number(id=other)
            if d is not None and d != docnum:
                by_entities[d] = score
        best_text = max(text_scores.values(), default=0.0) or 1.0
        best_entity = max(by_entities.values(), default=0.0) or 1.0
        combined = {
            d: TEXT_WEIGHT * text_scores.get(d, 0.0) / best_text + ENTITY_WEIGHT * by_entities.get(d, 0.0) / best_entity
            for d in set(text_scores) | set(by_entities)
        }
        ranked = sorted(combined.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [hit_from_fields(s.stored_fields(d), score) for d, score in ranked]
