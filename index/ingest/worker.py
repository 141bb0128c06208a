"""Indexing in a child process, reporting progress as JSON lines on stdout.

The terminal reader runs indexing this way so that spaCy is never imported into the reader's
process and NER never competes with the UI thread for the GIL. Usage (internal)::

    python -m newsreader.index.ingest.worker --home HOME [--rebuild] [--seed] PATH...
    python -m newsreader.index.ingest.worker --home HOME --refresh [FEED...]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Callable

from ..errors import NewsreaderError
from ..models import WorkerEvent


STOP_GRACE = 10.0  # seconds a cancelled worker gets to roll back and stop its NER processes


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _emit(event: WorkerEvent) -> None:
    sys.stdout.write(event.to_json() + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsreader-index-worker")
    parser.add_argument("--home")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", action="store_true", help="index the sample corpus if the library is new")
    parser.add_argument("--refresh", action="store_true", help="refresh feeds (PATHs are feed names)")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    # The reader cancels with SIGTERM (and a closed terminal sends SIGHUP). Outside indexing that runs
    # the same clean-up as Ctrl-C; while indexing, the first one stops the run with what was analysed
    # committed (index/ingest/interrupt.py), a second one rolls back the batch in progress.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    from ..config import resolve_paths
    from ..library import Library, seeds_dir
    from ..logs import setup_logging
    from .interrupt import stop_on_signals

    setup_logging(resolve_paths(args.home))

    def progress(p) -> None:
        _emit(WorkerEvent("progress", phase=p.phase, done=p.done, total=p.total, articles=p.articles, path=p.path,
                          read=p.read))

    try:
        with Library.open(args.home) as library:
            if args.refresh:
                return _refresh(library, args.paths)
            paths = list(args.paths)
            if args.seed and not paths and library.never_used():
                paths.append(str(seeds_dir()))
            if not paths and not args.rebuild:
                _emit(WorkerEvent("done"))
                return 0
            if args.rebuild:
                _emit(WorkerEvent("rebuilding"))
            stop = threading.Event()
            with stop_on_signals(stop, (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)):
                report = library.sync(paths, rebuild=args.rebuild, progress=progress, wait=60, cancel=stop,
                                      on_wait=lambda: _emit(WorkerEvent("waiting")))
            _emit(WorkerEvent("done", report=report.to_dict()))
            return 130 if report.interrupted else 0
    except NewsreaderError as exc:
        _emit(WorkerEvent("error", kind="refresh" if args.refresh else "index", message=str(exc)))
        return 1
    except KeyboardInterrupt:
        _emit(WorkerEvent("error", kind="refresh" if args.refresh else "index", message="indexing was interrupted"))
        return 130


def _refresh(library, names: list[str]) -> int:
    def progress(p) -> None:
        _emit(WorkerEvent("progress", kind="refresh", phase=p.phase, done=p.done, total=p.total, path=p.path))

    report = library.refresh_feeds(names or None, progress=progress)
    _emit(WorkerEvent("done", kind="refresh", report=report.to_dict()))
    return 0


def index_in_subprocess(home: str, paths: list[str], *, rebuild: bool = False, seed: bool = False,
                        refresh: bool = False, on_event: Callable[[WorkerEvent], None] | None = None,
                        cancel: threading.Event | None = None) -> WorkerEvent:
    """Run the worker and relay its events; returns the final event (``done`` or ``error``, ``final`` set).

    With ``refresh`` the worker refreshes feeds instead (``paths`` are feed names, none = all).
    Setting ``cancel`` sends the child SIGTERM at once, even while it is silently loading spaCy; it
    rolls back the batch in progress and stops its NER processes, or is killed after STOP_GRACE.
    The child's stderr goes to a temporary file, not a pipe: a pipe nobody reads while stdout is being
    relayed fills up (64 KB of warnings or tracebacks) and would block the child for ever.
    """
    cmd = [sys.executable, "-m", "newsreader.index.ingest.worker", "--home", str(home)]
    if rebuild:
        cmd.append("--rebuild")
    if seed:
        cmd.append("--seed")
    if refresh:
        cmd.append("--refresh")
    cmd += [str(p) for p in paths]
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err_file:
        return _run(cmd, err_file, on_event, cancel, "refresh" if refresh else "index")._replace(final=True)


def _run(cmd: list[str], err_file, on_event: Callable[[WorkerEvent], None] | None,
         cancel: threading.Event | None, kind: str) -> WorkerEvent:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_file, stdin=subprocess.DEVNULL,
                            text=True, bufsize=1)
    last = WorkerEvent("error", kind=kind, message="the indexer stopped without a report")
    assert proc.stdout is not None
    finished = threading.Event()
    if cancel is not None:
        def watch() -> None:
            while not finished.wait(0.1):
                if cancel.is_set():
                    proc.terminate()  # SIGTERM: the child rolls back and exits; committed work is kept
                    try:
                        proc.wait(STOP_GRACE)
                    except subprocess.TimeoutExpired:
                        proc.kill()  # its NER processes die with it (PR_SET_PDEATHSIG)
                    return

        threading.Thread(target=watch, daemon=True, name="index-cancel-watch").start()
    for line in proc.stdout:
        if cancel is not None and cancel.is_set():
            continue  # drain until the child exits: closing the pipe would break its clean-up
        try:
            event = WorkerEvent.from_json(line)
        except ValueError:
            continue
        if event.event in ("done", "error"):
            last = event
        if on_event:
            on_event(event)
    proc.stdout.close()
    proc.wait()
    finished.set()
    if cancel is not None and cancel.is_set():
        return WorkerEvent("error", kind=kind, message="cancelled")
    if proc.returncode not in (0, None) and last.event != "error":
        err_file.seek(0)
        tail = err_file.read().strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        last = WorkerEvent("error", kind=kind, message=f"the indexer failed: {tail[0]}")
    return last


if __name__ == "__main__":
    raise SystemExit(main())
