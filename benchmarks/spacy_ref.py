"""The reference for indexing throughput: spaCy's own ``nlp.pipe`` on exactly the texts the indexer analyses.

Run as a child process so that its timing and memory are its own::

    python benchmarks/spacy_ref.py FOLDER --model NAME --n-process 2 --batch-size 32

The texts are read with newsreader's readers first (not timed) and shaped as the indexer shapes them
("title\\n\\nbody"); the timed part is loading the NER-only pipeline (the indexer pays that too) and
running every text through ``nlp.pipe``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def texts_in(folder: Path) -> list[str]:
    from newsreader.index.ingest.readers import read_file, reader_for

    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if reader_for(path) is None:
            continue
        for article in read_file(path, path.read_bytes()).articles:
            out.append(f"{article.title}\n\n{article.body}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", required=True)
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    texts = texts_in(args.folder)
    started = time.perf_counter()
    from newsreader.index.entities.extract import load_model

    nlp = load_model(args.model)
    loaded = time.perf_counter()
    ents = 0
    for doc in nlp.pipe(texts, batch_size=args.batch_size, n_process=args.n_process):
        ents += len(doc.ents)
    done = time.perf_counter()
    print(json.dumps({"texts": len(texts), "entities": ents, "seconds": done - started,
                      "load_seconds": loaded - started, "pipes": nlp.pipe_names,
                      "chars": sum(map(len, texts))}))


if __name__ == "__main__":
    main()
