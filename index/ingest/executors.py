"""Where entity extraction runs: in this process, in a pool of local processes, or on a Dask cluster.

The Syncer asks one thing of an executor, ``extract(texts)``: one list of spans per text, in input
order (``Extractor``). It writes the spans in that order whichever executor found them, so canonical
entities, the Whoosh writer and the catalog see the same stream and build the same library. An
executor may also describe its side of the run for the progress bar (``status``).
"""

from __future__ import annotations

import importlib.util
from typing import Iterable, Iterator, Protocol

from ..entities.extract import RawSpan
from ..errors import MissingExtra


class Extractor(Protocol):
    def extract(self, texts: Iterable[str]) -> Iterator[list[RawSpan]]: ...


def extractor_for(model: str, *, workers: int, batch_size: int, cluster: str = "") -> Extractor:
    """Local processes (``workers`` of them), or the Dask scheduler at ``cluster`` when one is given."""
    if cluster:
        from .cluster import DaskExtractor

        return DaskExtractor(cluster, model, batch_size=batch_size)
    from ..entities.extract import EntityExtractor

    return EntityExtractor(model, workers=max(1, workers), batch_size=batch_size)


def status_of(extractor: object) -> str:
    """What the executor says about its progress ("" for local processes, whose progress is the writer's)."""
    status = getattr(extractor, "status", None)
    return status() if callable(status) else ""


def require_cluster_support() -> None:
    """MissingExtra unless Dask's ``distributed`` is installed; looked up without importing it (~1 s)."""
    try:
        found = importlib.util.find_spec("distributed") is not None
    except ValueError:  # set to None in sys.modules: blocked on purpose
        found = False
    if not found:
        raise MissingExtra("cluster", "Entity extraction on a Dask cluster (--cluster)")
