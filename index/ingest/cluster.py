"""Entity extraction on a Dask cluster: texts go out to the cluster's workers, spans come back.

Only NER moves. Reading, canonical entities, the Whoosh writer, the catalog and the incremental rules
stay in the indexing process, which takes the spans in input order exactly as it takes them from local
processes, so a library built through a cluster is the library a local run builds. Chunking long texts
and putting their spans back together is ``EntityExtractor``'s (this class only overrides where the
batches run), so both executors cut and reassemble the same way.

- A task is one batch: at most ``batch_size`` texts (the engine's ``batch_size``) and ``BATCH_CHARS``
  characters, a second or two of NER, long enough that the scheduler's per-task cost vanishes and short
  enough that a lost worker costs little. Its texts travel inside the task, so the scheduler can run it
  again elsewhere if its worker dies; only span tuples come back, never spaCy Docs.
- At most ``IN_FLIGHT_PER_THREAD`` batches per worker thread (plus one, and never more than
  ``MAX_IN_FLIGHT``) are out at a time: the writer's memory and the scheduler's stay bounded however
  large the folder, and the workers still have the next batch while the writer commits.
- Each worker process loads the model once (``load_model`` is cached per process); the check at the start
  of a run loads it on every worker while it looks for newsreader, the model and their versions.
- The cluster's failures become one-line ``ClusterError``s; a worker lost mid-run is the scheduler's to
  handle (its batches run again on another worker), and since each batch's spans are taken once and in
  order, nothing is indexed twice.

distributed is an optional dependency (``pip install 'newsreader[cluster]'``): this module imports it
only when a run actually goes to a cluster.
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
import time
import uuid
from collections import deque
from concurrent.futures import CancelledError
from typing import Any, Iterable, Iterator

from ..entities.extract import EntityExtractor, ModelNotFound, load_model
from ..errors import ClusterError, MissingExtra

log = logging.getLogger(__name__)

BATCH_CHARS = 200_000  # a task's texts, at most: ~2-4 s of NER on one core
IN_FLIGHT_PER_THREAD = 2
MAX_IN_FLIGHT = 512  # however many threads the cluster has, the writer holds at most this many batches
NO_WORKERS_WAIT = 60.0  # seconds a run waits for a cluster with no workers before it gives up
TASK_PREFIX = "newsreader-ner"
INSTALL_HINT = "pip install 'newsreader[cluster]'"


def require_distributed() -> Any:
    """The ``distributed`` module, or MissingExtra naming the extra that installs it."""
    try:
        import distributed
    except ImportError as exc:
        raise MissingExtra("cluster", "Entity extraction on a Dask cluster (--cluster)") from exc
    _log_to_our_file()
    return distributed


def _log_to_our_file() -> None:
    """distributed logs to stderr through handlers of its own; send its records to newsreader.log instead.

    The indexer's terminal shows a progress bar (and the reader's indexing child's stderr is only read on
    failure), so a worker-lost warning printed there would garble it or go unseen.
    """
    for name in ("distributed", "distributed.client", "distributed.worker", "distributed.scheduler"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:
                logger.removeHandler(handler)
        logger.propagate = True


_PIPE_LOCK = threading.Lock()
_MALLOC_TUNED = False
TRIM_THRESHOLD = 128 * 1024 * 1024


def _keep_freed_memory() -> None:
    """Let glibc keep up to TRIM_THRESHOLD of freed heap in this worker process instead of 64 KB.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` so that they hand memory back to
    the system at once; spaCy allocates and frees arrays for every batch, so the heap is shrunk and
    grown again all the time, and the same batch of NER cost ~40% more CPU in such a worker than in a
    plain process (docs/scaling.md). ``mallopt`` changes the threshold for the running process; a
    worker that runs newsreader's NER holds its model anyway. Elsewhere than glibc this does nothing.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-1, TRIM_THRESHOLD)  # -1 = M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def ner_batch(model: str, batch_size: int, batch: list[tuple[str, object]]) -> list[tuple[object, list[tuple]]]:
    """Runs on a Dask worker: (context, spans) for each (text, context) of the batch.

    The model is loaded once per worker process (cached); a worker with several threads runs one batch
    at a time, since one spaCy pipeline is not meant to be used by two threads at once.
    """
    from ..entities.extract import _spans_of

    _keep_freed_memory()
    nlp = load_model(model)
    with _PIPE_LOCK:
        return [(context, _spans_of(doc)) for doc, context in nlp.pipe(batch, as_tuples=True, batch_size=batch_size)]


def reach(address: str) -> float:
    """Connect to the scheduler at ``address`` once and hang up; ClusterError if it cannot be reached.

    Done with distributed's own ``connect`` before a ``Client`` is made, because a ``Client`` that fails
    to connect cannot be closed cleanly (it waits out a second timeout and prints a traceback when it is
    collected). The timeout is Dask's own (``distributed.comm.timeouts.connect``, 30 s by default);
    returns it in seconds.
    """
    import asyncio

    import dask

    distributed = require_distributed()
    timeout = float(dask.utils.parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="s"))

    async def hello() -> None:
        comm = await distributed.comm.connect(address, timeout=timeout)
        await comm.close()

    try:
        asyncio.run(hello())
    except ValueError as exc:
        raise ClusterError(f"{address!r} is not a Dask scheduler address ({exc}); give it as tcp://HOST:PORT") from exc
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"Cannot reach the Dask scheduler at {address} ({_one_line(exc)}); "
                           "is it running, and may this machine connect to it?") from exc
    return timeout


def _make_probe():
    """The check each worker runs before a run; nested, so it travels by value and runs where newsreader
    is missing. It says what is missing, or the versions that decide the spans (newsreader, spaCy, the
    model), and loads the model so the first batch does not wait for it."""

    def probe(model: str) -> dict:
        import importlib
        import importlib.metadata as metadata

        def version(name: str):
            try:
                return metadata.version(name)
            except Exception:  # noqa: BLE001 - not installed as a package (a model given as a path)
                return None

        try:
            extract = importlib.import_module("newsreader.index.entities.extract")
        except Exception as exc:  # noqa: BLE001 - reported, whatever it is
            return {"missing": "newsreader", "detail": f"{type(exc).__name__}: {exc}"}
        try:
            extract.load_model(model)
        except Exception as exc:  # noqa: BLE001
            return {"missing": "model", "detail": str(exc)}
        return {"versions": {"newsreader": version("newsreader"), "spaCy": version("spacy"),
                             f"model {model}": version(model)}}

    return probe


def _local_versions(model: str) -> dict:
    def version(name: str):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {"newsreader": version("newsreader"), "spaCy": version("spacy"), f"model {model}": version(model)}


class DaskExtractor(EntityExtractor):
    """``EntityExtractor`` whose batches run on the Dask cluster at ``address``.

    Nothing connects until the first text arrives: a run with nothing to analyse never reaches the
    cluster. ``status()`` describes the cluster's side of the run for the progress bar.
    """

    def __init__(self, address: str, model: str, *, batch_size: int = 32, batch_chars: int = BATCH_CHARS) -> None:
        super().__init__(model, workers=1, batch_size=batch_size)
        self.address = address
        self.batch_chars = batch_chars
        self._workers = 0
        self._threads = 0
        self._submitted = 0
        self._taken = 0
        self._pending: deque = deque()

    def status(self) -> str:
        """"Dask: 2 workers, 14/19 batches": batches the cluster has finished (ahead of what the writer
        has written) of those sent so far."""
        if not self._workers:
            return ""
        done = self._taken + sum(1 for future in self._pending if future.done())
        plural = "s" if self._workers != 1 else ""
        return f"Dask: {self._workers} worker{plural}, {done}/{self._submitted} batches"

    # -- the executor --------------------------------------------------------------------------------
    def _run(self, pieces: Iterable[tuple[str, object]], procs: int,
             stop: threading.Event | None = None) -> Iterator[tuple[object, list[tuple]]]:
        """Batches to the cluster, spans back in input order. Once ``stop`` is set (Ctrl-C), only the
        batches the cluster has already finished are handed back, in order; the rest are cancelled."""
        distributed = require_distributed()
        client = self._connect(distributed)
        pending = self._pending
        try:
            self._check_workers(client)
            run = uuid.uuid4().hex[:8]
            for batch in self._batches(pieces):
                pending.append(client.submit(ner_batch, self.model_name, self.batch_size, batch, pure=False,
                                             key=f"{TASK_PREFIX}-{run}-{self._submitted}"))
                self._submitted += 1
                while len(pending) > min(MAX_IN_FLIGHT, IN_FLIGHT_PER_THREAD * max(1, self._threads)):
                    spans = self._result(client, distributed, pending[0], stop)
                    if spans is None:
                        return
                    pending.popleft()
                    yield from spans
            while pending:
                spans = self._result(client, distributed, pending[0], stop)
                if spans is None:
                    return
                pending.popleft()
                yield from spans
        finally:
            # Finished, interrupted (Ctrl-C) or failed: nothing of this run stays queued on the cluster.
            if pending:
                try:
                    client.cancel(list(pending))
                except Exception:  # noqa: BLE001 - the scheduler may be gone; closing below is what matters
                    log.warning("could not cancel the remaining Dask tasks", exc_info=True)
            try:
                client.close(timeout=5)
            except Exception:  # noqa: BLE001
                log.warning("could not close the Dask client cleanly", exc_info=True)

    def _batches(self, pieces: Iterable[tuple[str, object]]) -> Iterator[list[tuple[str, object]]]:
        batch: list[tuple[str, object]] = []
        chars = 0
        for piece in pieces:
            batch.append(piece)
            chars += len(piece[0])
            if len(batch) >= self.batch_size or chars >= self.batch_chars:
                yield batch
                batch, chars = [], 0
        if batch:
            yield batch

    def _connect(self, distributed: Any):
        """A client of the scheduler at ``self.address``, or a ClusterError saying why not."""
        timeout = reach(self.address)
        try:
            return distributed.Client(self.address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"Cannot reach the Dask scheduler at {self.address} ({_one_line(exc)})") from exc

    def _check_workers(self, client) -> None:
        """Every worker has newsreader, the model, and the versions this machine has, or ClusterError.

        Different versions of spaCy or the model find different spans, and the library would differ from
        a local build without anyone noticing: that is refused too.
        """
        try:
            client.wait_for_workers(1, timeout=NO_WORKERS_WAIT)
        except TimeoutError as exc:
            raise ClusterError(f"The Dask cluster at {self.address} has no workers (waited {NO_WORKERS_WAIT:.0f} s); "
                               "start some with `dask worker " + self.address + "`") from exc
        found = client.run(_make_probe(), self.model_name, on_error="return")
        here = _local_versions(self.model_name)
        for worker, answer in sorted(found.items()):
            if isinstance(answer, BaseException):
                raise ClusterError(f"Dask worker {worker} could not be checked ({_one_line(answer)})")
            if answer.get("missing") == "newsreader":
                raise ClusterError(f"Dask worker {worker} cannot import newsreader ({answer['detail']}); "
                                   f"install it there: {INSTALL_HINT}")
            if answer.get("missing") == "model":
                raise ClusterError(f"Dask worker {worker} cannot load the spaCy model {self.model_name!r} "
                                   f"({_one_line(answer['detail'])}); install it there")
            theirs = answer.get("versions", {})
            differ = [f"{name} {theirs.get(name)} (here {mine})" for name, mine in here.items()
                      if mine and theirs.get(name) != mine]
            if differ:
                raise ClusterError(f"Dask worker {worker} has {', '.join(differ)}: its spans would differ from a "
                                   "local build; install the same versions there")
        self._refresh(client)

    def _refresh(self, client) -> None:
        threads = client.nthreads()
        self._workers, self._threads = len(threads), sum(threads.values())

    def _result(self, client, distributed: Any, future,
                stop: threading.Event | None) -> list[tuple[object, list[tuple]]] | None:
        """The spans of one batch, waiting as long as it takes while the cluster has workers; None if
        ``stop`` is set before the batch is done."""
        no_workers_since: float | None = None
        while True:
            if stop is not None and stop.is_set() and not future.done():
                return None
            try:
                spans = future.result(timeout=0.5)
                break
            except TimeoutError:
                self._refresh(client)
                if self._workers:
                    no_workers_since = None
                elif no_workers_since is None:
                    no_workers_since = time.monotonic()
                elif time.monotonic() - no_workers_since > NO_WORKERS_WAIT:
                    raise ClusterError(f"The Dask cluster at {self.address} has had no workers for "
                                       f"{NO_WORKERS_WAIT:.0f} s; everything committed so far is kept") from None
            except distributed.KilledWorker as exc:
                raise ClusterError(f"Dask workers kept dying on one batch of texts ({_one_line(exc)}); "
                                   "see the workers' logs; everything committed so far is kept") from exc
            except ModelNotFound as exc:
                raise ClusterError(f"A Dask worker that joined during the run cannot load the spaCy model "
                                   f"({_one_line(exc)}); install it there") from exc
            except ModuleNotFoundError as exc:
                if (exc.name or "").split(".")[0] != "newsreader":
                    raise
                raise ClusterError(f"A Dask worker that joined during the run cannot import newsreader; "
                                   f"install it there: {INSTALL_HINT}") from exc
            except CancelledError as exc:
                raise ClusterError(f"Lost the Dask scheduler at {self.address} ({_one_line(exc)}); "
                                   "everything committed so far is kept") from exc
        future.release()
        self._taken += 1
        self._refresh(client)
        return spans


def _one_line(exc: BaseException | str) -> str:
    text = str(exc) if isinstance(exc, str) else (str(exc) or type(exc).__name__)
    return " ".join(text.split())
