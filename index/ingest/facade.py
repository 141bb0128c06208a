"""The indexing part of the ``Library`` facade: sync folders (and rebuild), index fetched articles,
run the indexing child process, fill in what older catalogs lack.

``Library`` inherits it, so callers still see one facade; it lives here, next to the code it drives.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..models import WorkerEvent

if TYPE_CHECKING:
    from ..config import Paths, Settings
    from ..entities.canonical import AliasTable
    from ..errors import NewsreaderError
    from ..state import State
    from ..store.backend import Backend
    from ..store.catalog import Catalog


def seeds_dir() -> Path:
    """The bundled sample corpus, wherever the package was installed (wheel or editable)."""
    spec = importlib.util.find_spec("newsreader.seeds")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location)
        if path.is_dir():
            return path
    raise FileNotFoundError("the bundled seeds folder is missing from this installation")


class IndexingFacade:
    if TYPE_CHECKING:  # what it uses of the Library it is part of
        paths: Paths
        settings: Settings
        readonly: bool
        catalog: Catalog
        state: State
        aliases: AliasTable

        @property
        def store(self) -> Backend: ...

        def _unwritable(self) -> NewsreaderError: ...

        def reopen(self) -> None: ...

        def was_seeded(self) -> bool: ...

    def _extractor_factory(self, workers: int, cluster: str = ""):
        from .executors import extractor_for

        return extractor_for(self.settings.model, workers=workers, batch_size=self.settings.batch_size,
                             cluster=cluster)

    def _syncer(self, *, progress=None, strict=False, cancel=None, workers: int | None = None, into=None,
                follow_links: bool = False, cluster: str | None = None):
        from .sync import Syncer

        chosen = self.settings.workers if workers is None else workers
        store, catalog = into or (self.store, self.catalog)
        factory = self._extractor_factory
        address = self.settings.cluster if cluster is None else cluster
        if address:
            factory, progress = self._on_cluster(address, progress)
        return Syncer(
            store, catalog, extractor_factory=factory, aliases=self.aliases,
            max_file_bytes=int(self.settings.max_file_mb * 1_000_000), workers=chosen or 1,
            progress=progress, strict=strict, cancel=cancel, follow_links=follow_links,
        )

    def _on_cluster(self, address: str, progress: Callable | None):
        """An extractor factory for the Dask cluster at ``address``, and a progress callback that adds the
        cluster's side of the run. Fails now, before any work, if Dask is not installed."""
        from .executors import require_cluster_support, status_of

        require_cluster_support()
        made: list = []

        def factory(workers: int):
            made.append(self._extractor_factory(workers, cluster=address))
            return made[-1]

        if progress is None:
            return factory, None
        report = progress

        def with_status(p) -> None:
            report(p._replace(cluster=status_of(made[-1])) if made else p)

        return factory, with_status

    def sync(self, paths: Sequence[str | os.PathLike], *, rebuild: bool = False, strict: bool = False,
             progress: Callable | None = None, cancel: threading.Event | None = None, wait: float = 0.0,
             on_wait: Callable[[], None] | None = None, workers: int | None = None, follow_links: bool = False,
             cluster: str | None = None):
        """Index ``paths`` incrementally (or from scratch with ``rebuild``); returns a SyncReport.

        ``rebuild`` also re-reads every folder indexed before, so the library comes back whole.
        Symbolic links leading outside a folder are skipped unless ``follow_links``. ``cluster`` (a Dask
        scheduler address; default ``engine.cluster``, "" for local processes) sends entity extraction
        there; everything else runs here as usual.
        """
        from ..store.locking import write_lock

        if self.readonly:
            raise self._unwritable()
        address = self.settings.cluster if cluster is None else cluster
        if address:
            from .executors import require_cluster_support

            require_cluster_support()  # before the lock and any work
        roots = [str(Path(p).expanduser().absolute()) for p in paths]
        with write_lock(self.paths.lock_file, wait=wait, on_wait=on_wait):
            self._recover_swap()
            if rebuild:
                roots = list(dict.fromkeys(self.state.roots() + roots))
            else:
                self.complete_listing()
            for root in roots:
                if Path(root).exists():
                    self.state.add_root(root)
            big = workers if workers is not None else (self.settings.workers or None)

            def syncer_for(into=None):
                syncer = self._syncer(progress=progress, strict=strict, cancel=cancel, workers=big, into=into,
                                      follow_links=follow_links, cluster=address)
                if big is None:
                    syncer.workers = 1  # decided per run below, once the amount of work is known
                    syncer.auto_workers = True
                return syncer

            if rebuild:
                return self._rebuild(syncer_for, [Path(r) for r in roots])
            report = syncer_for().run([Path(r) for r in roots])
            self.catalog.set_meta("initialised", "1")
            self.catalog.commit()
            return report

    def _recover_swap(self) -> None:
        """Under the write lock: finish a swap a crash interrupted, drop an abandoned build (swap.py)."""
        from ..store import swap

        if swap.pending(self.paths.home) and swap.recover(self.paths.home) or \
                self.paths.library_name != swap.LIVE:
            self.paths = self.paths._replace(library_name=swap.LIVE)
            self.reopen()
        self._settle_cut_commit()

    def _settle_cut_commit(self) -> None:
        """Under the write lock: a crash between a batch's Whoosh and catalog commits left the batch in
        one and not the other; take it out of both (``ingest/sync.settle_cut_commit``)."""
        import sqlite3

        from ..errors import DiskFull, disk_full
        from .sync import PENDING, settle_cut_commit

        if not (self.paths.library_dir / PENDING).exists():
            return
        try:
            settle_cut_commit(self.store, self.catalog, self.aliases)
        except (OSError, sqlite3.OperationalError) as exc:
            if disk_full(self.paths.home, exc):
                raise DiskFull(self.paths.library_dir, exc) from exc
            raise

    def _rebuild(self, syncer_for, roots: list[Path]):
        """Index every root into a new library beside the current one, then swap it in (swap.py).

        The current library is never touched and goes on answering (this process's own calls
        included) until the swap; interrupted, failed or out of disk space, the new one is deleted and
        the report says the previous library is kept.
        """
        from ..store import swap
        from ..store.catalog import Catalog
        from ..store.backend import open_backend

        building = swap.building_dir(self.paths.home)
        shutil.rmtree(building, ignore_errors=True)
        new = self.paths._replace(library_name=building.name)
        store = catalog = None
        try:
            store = open_backend(new.index_dir)
            catalog = Catalog(new.catalog_file)
            catalog.set_meta("listing", "1")  # built here, so every row is listed
            report = syncer_for((store, catalog)).run(roots)
            report.rebuild = True
            if not report.interrupted:
                catalog.set_meta("initialised", "1")
                catalog.commit()
            store.close()
            catalog.close()
            store = catalog = None
            if report.interrupted:
                shutil.rmtree(building, ignore_errors=True)
                report.added = report.updated = report.removed = 0  # the library did not change
                return report
            swap.install(self.paths.home, building)
        except BaseException:
            for part in (store, catalog):
                if part is not None:
                    try:
                        part.close()
                    except Exception:  # noqa: BLE001 - the build is being thrown away
                        pass
            shutil.rmtree(building, ignore_errors=True)
            raise
        self.reopen()
        return report

    def index_articles(self, source_key: str, articles, *, remove_missing: bool = False,
                       progress: Callable | None = None, wait: float = 30.0):
        """Index articles that came from somewhere other than a file (a fetched feed)."""
        from ..store.locking import write_lock

        if self.readonly:
            raise self._unwritable()
        with write_lock(self.paths.lock_file, wait=wait):
            self._recover_swap()
            self.complete_listing()
            report = self._syncer(progress=progress).index_articles(source_key, list(articles),
                                                                  remove_missing=remove_missing)
            self.catalog.set_meta("initialised", "1")
            self.catalog.commit()
            return report

    def index_in_child(self, paths: Sequence[str] = (), *, seed: bool = False, rebuild: bool = False,
                       refresh: bool = False, on_event: Callable[[WorkerEvent], None] | None = None,
                       cancel: threading.Event | None = None) -> WorkerEvent:
        """Index ``paths`` (or refresh the feeds named by ``paths``, all when empty) in a child process,
        so spaCy never loads in this one; ``on_event`` gets its progress, the final event is returned.
        Setting ``cancel`` stops it, keeping what it committed. After a ``rebuild`` call ``reopen()``."""
        from .worker import index_in_subprocess

        return index_in_subprocess(str(self.paths.home), list(paths), seed=seed, rebuild=rebuild, refresh=refresh,
                                   on_event=on_event, cancel=cancel)

    def ensure_seeded(self, progress: Callable | None = None):
        """On first use with no library, index the bundled sample corpus; None when nothing was needed."""
        if self.readonly or self.was_seeded():
            return None
        return self.sync([seeds_dir()], progress=progress)

    def complete_listing(self) -> None:
        """Finish an older catalog's ``listing_columns`` migration (``store/migrations.py``): fill its list
        rows from the index. Indexing and refreshing call it under the write lock; until then the newest
        articles come from the index."""
        if self.readonly or self.catalog.listing_complete():
            return
        from ..store.migrations import fill_listing

        fill_listing(self.catalog, self.store)
