"""Related articles: text similarity (the backend's more-like-this) blended with shared canonical entities.

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
from typing import TYPE_CHECKING, Mapping, TypeVar

from ..entities.canonical import NOISE_LABELS

if TYPE_CHECKING:
    from ..store.catalog import Catalog

TEXT_WEIGHT = 0.45
ENTITY_WEIGHT = 0.55
CANDIDATES = 5  # times ``limit``: how many of each signal's best are blended
K = TypeVar("K", int, str)


def entity_scores(catalog: Catalog, article_id: str) -> dict[str, float]:
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


def blend(text_scores: Mapping[K, float], entity_scores: Mapping[K, float], limit: int) -> list[tuple[K, float]]:
    """The best ``limit`` of both signals, each scaled to its best score and averaged with its weight;
    ties in the backend's own order of the keys (a Whoosh document number)."""
    best_text = max(text_scores.values(), default=0.0) or 1.0
    best_entity = max(entity_scores.values(), default=0.0) or 1.0
    combined = {
        d: TEXT_WEIGHT * text_scores.get(d, 0.0) / best_text + ENTITY_WEIGHT * entity_scores.get(d, 0.0) / best_entity
        for d in set(text_scores) | set(entity_scores)
    }
    return sorted(combined.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
