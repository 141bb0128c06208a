"""A large library made from a real one: copies of its articles with new ids and dates.

Running NER over 50,000 articles takes most of an hour on two cores, and the reading side does not
care where the entity spans came from. So the large library starts as a copy of the ~2,000-article
library (index and catalog, built by the real indexer) and gains replicas of its articles: same
title, body and entity spans (decoded from the index, as the reader decodes them), a new stable id,
and a new date spread over the archive's years. They are written through the engine's own code
paths, ``store.document_for`` into the Whoosh writer and ``Catalog.put_article`` plus
``refresh_entity_stats``, committed in the indexer's batch size, so the result is the same kind of
library the indexer would have built, entity statistics included.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

EPOCH = datetime(2004, 1, 1)


def _articles(home: Path):
    """The real library's articles with their spans, as ``Article`` records."""
    from newsreader.index.article import Article
    from newsreader.index.library import Library
    from newsreader.index.store.whoosh.store import decode_spans

    out = []
    with Library.open(home, readonly=True) as library:
        with library.store.searcher() as s:
            for fields in s.all_stored_fields():
                body, title = fields.get("body", ""), fields.get("title", "")
                spans, title_spans = decode_spans(fields.get("spans"), body, title)
                out.append(Article(
                    id=fields["id"], title=title, body=body, source=fields.get("source", ""),
                    url=fields.get("url", ""), published=fields.get("published"), path=fields.get("path", ""),
                    source_key=fields.get("path", ""), fetched=fields.get("sortdate"),
                    partial=bool(fields.get("partial")), entities=tuple(spans), title_entities=tuple(title_spans),
                ))
    out.sort(key=lambda a: a.id)
    return out


def build(source_home: Path, target_home: Path, size: int, *, progress=print) -> dict:
    """Make ``target_home`` a library of ``size`` articles: ``source_home``'s plus replicas."""
    from dataclasses import replace

    from newsreader.index.article import stable_id
    from newsreader.index.entities.canonical import NOISE_LABELS
    from newsreader.index.library import Library
    from newsreader.index.ingest.sync import COMMIT_EVERY

    started = time.perf_counter()
    shutil.rmtree(target_home, ignore_errors=True)
    shutil.copytree(source_home, target_home, ignore=shutil.ignore_patterns("write.lock", "*.sqlite-shm",
                                                                            "*.sqlite-wal"))
    originals = _articles(source_home)
    needed = size - len(originals)
    span_days = 2 * 365
    step = timedelta(days=span_days) / max(1, needed)
    written = 0
    with Library.open(target_home) as library:
        store, catalog = library.store, library.catalog
        writer = store.open_writer(timeout=30)
        touched: set[str] = set()
        pending = 0
        replica = 0
        while written < needed:
            replica += 1
            for original in originals:
                if written >= needed:
                    break
                when = EPOCH + step * written
                article = replace(
                    original, id=stable_id("bench-replica", str(replica), original.id),
                    source_key=f"bench-replica:{replica}:{original.path}", published=None, fetched=when,
                )
                writer.put(article, library.aliases)
                touched |= catalog.put_article(article)
                written += 1
                pending += 1
                if pending >= COMMIT_EVERY:
                    writer.commit()
                    catalog.commit()
                    writer = store.open_writer(timeout=30)
                    pending = 0
                    if written % 5000 < COMMIT_EVERY:
                        progress(f"  replicated {written:,}/{needed:,} ({time.perf_counter() - started:.0f} s)")
        writer.commit()
        catalog.refresh_entity_stats(touched, library.aliases, NOISE_LABELS)
        catalog.commit()
        count = library.article_count()
    return {"articles": count, "replicated": written, "seconds": round(time.perf_counter() - started, 1)}
