"""The ``newsreader`` command: open the reader, or index, search and inspect from the shell.

Every command calls the same ``Library`` facade as the reader; ``--json`` prints what the reader
would show as one JSON document. Exit status: 0 success, 1 runtime error (one line on stderr),
2 misuse (argparse).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Callable, Sequence

from ..index import __version__
from ..index.errors import NewsreaderError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
PARSERS: dict[str, Callable[[argparse.ArgumentParser], None]] = {}
HELP: dict[str, str] = {}


def command(name: str, help: str):
    """Register a subcommand: ``configure(parser)`` adds its arguments, the decorated function runs it."""

    def wrap(configure: Callable[[argparse.ArgumentParser], None]):
        def register(run: Callable[[argparse.Namespace], int]):
            COMMANDS[name] = run
            PARSERS[name] = configure
            HELP[name] = help
            return run

        return register

    return wrap


class UsageError(Exception):
    """Misuse found after parsing (exit 2)."""


def _console(stderr: bool = False):
    """The console every command prints through: whatever text reaches it is sanitised segment by
    segment (``printable``), so a caller that forgot ``safe()`` still cannot send an escape sequence."""
    from rich.console import Console
    from rich.segment import Segment

    from ..index.textclean import printable

    class SafeConsole(Console):
        def render(self, renderable, options=None):
            for segment in super().render(renderable, options):
                if segment.control or segment.text.isprintable() or not _UNSAFE.search(segment.text):
                    yield segment
                else:
                    yield Segment(printable(segment.text), segment.style, segment.control)

    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=False)


def say(message: str) -> None:
    """One line on stderr, sanitised like everything else printed (messages quote file names)."""
    from ..index.textclean import printable

    print(f"newsreader: {printable(str(message))}", file=sys.stderr)


# Characters that a terminal may act on, or that no encoder writes (lone surrogates): outside JSON's own
# escapes, these are written as \uXXXX so --json output is as inert as the tables, and still lossless.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029"
                     "\ufeff\ud800-\udfff]")


def _json_out(obj) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n")


def open_library(args, *, readonly: bool | None = None, defer_index: bool = False):
    """The library in ``--home``. Reading commands pass ``readonly=True``: they never write to it (nor
    create it, nor index the sample articles into it)."""
    from ..index.library import Library

    return Library.open(args.home, readonly=readonly, defer_index=defer_index)


# --------------------------------------------------------------------------------------------------
# index


def _index_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to index (default: the sample corpus)")
    p.add_argument("--rebuild", action="store_true", help="throw the index away and rebuild it from every source")
    p.add_argument("--strict", action="store_true", help="stop at the first file that fails")
    p.add_argument("--follow-links", action="store_true",
                   help="follow symbolic links that lead outside the folders given (skipped by default)")
    p.add_argument("--workers", type=int, default=None, help="processes for entity extraction (default: auto)")
    p.add_argument("--cluster", metavar="ADDRESS", default=None,
                   help="run entity extraction on the Dask scheduler at ADDRESS (tcp://HOST:PORT; needs "
                        "newsreader[cluster]); 'local' overrides engine.cluster")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--wait", type=float, default=0.0, help="seconds to wait if another indexer is running")


@command("index", "index files and folders (incremental; --rebuild starts over)")(_index_args)
def cmd_index(args) -> int:
    import threading

    from ..index.errors import MissingExtra
    from ..index.ingest.interrupt import stop_on_signals
    from ..index.library import Library, seeds_dir
    from ..index.errors import StrictFailure
    from .progress import IndexProgress, print_report

    paths = args.paths
    cluster = "" if args.cluster == "local" else args.cluster
    if cluster and args.workers is not None:
        raise UsageError("--workers counts local processes; with --cluster the cluster's workers run NER")
    with Library.open(args.home, repair=args.rebuild) as library:  # --rebuild must work on a damaged index
        console = _console(stderr=True)
        if not paths and not args.rebuild:
            # No PATH: finish or refresh what this library indexes; the sample only into a new one.
            roots = library.roots()
            if roots:
                paths = roots
            elif library.never_used():
                paths = [str(seeds_dir())]
            else:
                console.print("Nothing to index: give a file or folder (newsreader index PATH).")
                return 0
        if library.repaired:
            damage = library.repaired.cause
            console.print(f"newsreader: the index was damaged ({type(damage).__name__}: {damage}); "
                          "rebuilding it from its sources.", markup=False)
        quiet = args.json or not console.is_terminal and os.environ.get("NEWSREADER_PROGRESS") != "1"
        stop = threading.Event()
        with IndexProgress(console, disable=quiet) as bar, stop_on_signals(stop):
            try:
                report = library.sync(paths, rebuild=args.rebuild, strict=args.strict, progress=bar.update,
                                      wait=args.wait, workers=args.workers, cancel=stop,
                                      follow_links=args.follow_links, cluster=cluster,
                                      on_wait=lambda: console.print("Another newsreader is indexing; waiting…"))
            except MissingExtra as exc:
                raise UsageError(str(exc)) from exc
            except StrictFailure as exc:
                console.print(f"newsreader: stopped at the first failure (--strict): {exc}", markup=False)
                return 1
        if args.json:
            _json_out(report.to_dict())
        else:
            print_report(_console(), report)
        if report.interrupted:
            return 130
        return 1 if report.failed else 0


# --------------------------------------------------------------------------------------------------
# search / show / related


def _search_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="+", help="words, \"phrases\", person:NAME, org:, place:, source:, date:")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument("--json", action="store_true")


@command("search", "search the library")(_search_args)
def cmd_search(args) -> int:
    from .tables import hits_table

    if args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    query = " ".join(args.query)
    with open_library(args, readonly=True) as library:
        result = library.search(query, limit=args.limit, offset=args.offset, sort=args.sort)
        if args.json:
            _json_out(result.to_json())
            return 1 if result.error else 0
        console = _console()
        if result.error:
            say(result.error)  # one line, never wrapped by Rich
            return 1
        from rich.text import Text

        from .render import safe

        # The title quotes the query: pasted text is words, never Rich markup ("[Live] ...").
        title = Text(safe(f"{result.total} result{'s' if result.total != 1 else ''} for {query!r}"))
        console.print(hits_table(result.hits, title=title))
        if not result.total and library.listed_articles() == 0:
            print("newsreader: this library is empty; `newsreader index FOLDER` adds articles "
                  "(`newsreader` alone opens the reader with the sample articles).", file=sys.stderr)
        for line in ((result.RELAXED_LINE,) if result.relaxed else ()) + tuple(result.notes):
            console.print(Text(line[:1].upper() + line[1:] + ".", style="dim"))
        if result.corrected:
            console.print(Text.assemble("Did you mean: ", (result.corrected, "bold"), "?"))
        return 0


def _show_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="article id (from search or the reader)")
    p.add_argument("--json", action="store_true")


@command("show", "print one article with its entities coloured")(_show_args)
def cmd_show(args) -> int:
    from .tables import article_renderable

    with open_library(args, readonly=True) as library:
        view = library.article(args.id)
        if args.json:
            _json_out(view.to_json())
        else:
            _console().print(article_renderable(view))
        return 0


def _related_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true")


@command("related", "articles related to one article")(_related_args)
def cmd_related(args) -> int:
    from .tables import hits_table

    with open_library(args, readonly=True) as library:
        hits = library.related(args.id, limit=args.limit)
        if args.json:
            _json_out({"id": args.id, "total": len(hits), "results": [h.to_json() for h in hits]})
        else:
            _console().print(hits_table(hits, title=f"Related to {args.id}", snippets=False))
        return 0


# --------------------------------------------------------------------------------------------------
# entities


def _entities_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", dest="types", action="append", metavar="LABEL",
                   help="PERSON, ORG, GPE, LOC, NORP, DATE ... (repeatable; PLACE = GPE+LOC+FAC)")
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--all", action="store_true", help="include numbers and dates")
    p.add_argument("--json", action="store_true")


@command("entities", "the library's entities, most widespread first")(_entities_args)
def cmd_entities(args) -> int:
    from .tables import entities_table

    with open_library(args, readonly=True) as library:
        rows = library.entities(labels=args.types, limit=args.limit, include_noise=args.all)
        if args.json:
            _json_out([r.to_json() for r in rows])
        else:
            _console().print(entities_table(rows))
        return 0


def _entity_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="+", help="a name or any of its spellings")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")


@command("entity", "one entity: aliases, articles, entities seen with it")(_entity_args)
def cmd_entity(args) -> int:
    from .tables import entity_renderable

    name = " ".join(args.name)
    with open_library(args, readonly=True) as library:
        detail = library.entity(name, limit=args.limit)
        if detail is None:
            raise NewsreaderError(f"No entity called {name!r} in this library.")
        if args.json:
            _json_out(detail.to_json())
        else:
            _console().print(entity_renderable(detail))
        return 0


# --------------------------------------------------------------------------------------------------
# stats


def _stats_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")


@command("stats", "what is in the library and where it lives")(_stats_args)
def cmd_stats(args) -> int:
    with open_library(args, readonly=True) as library:
        stats = library.stats()
        if args.json:
            _json_out(stats)
            return 0
        from rich.table import Table
        from rich.text import Text

        from .render import safe

        table = Table(show_header=False, box=None)
        for key, value in stats.items():  # root paths are folder names: text, never markup
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            table.add_row(key.replace("_", " "), Text(safe(shown)))
        _console().print(table)
        return 0


# --------------------------------------------------------------------------------------------------
# the reader


def open_reader(args) -> int:
    from . import collector

    paths = [str(Path(p).expanduser().absolute()) for p in args.paths]
    for p in paths:
        if not os.path.exists(p):
            raise NewsreaderError(f"{p}: no such file or directory")
    collector.hold()  # until the first frame is on screen (the app lets it go)
    try:
        return _run_reader(args, paths)
    finally:
        collector.release(settle=False)  # a no-op if the app already let it go


def _run_reader(args, paths: list[str]) -> int:
    library = open_library(args, defer_index=True)  # the first screen comes from the catalog; Whoosh follows
    try:
        from .app import run_reader
    except ImportError as exc:  # pragma: no cover - only while the reader is being built
        library.close()
        raise NewsreaderError(f"the reader is not available in this build ({exc})") from exc
    return run_reader(library, index_paths=paths)


# --------------------------------------------------------------------------------------------------


def _global_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--home", default=None)
    return p


def build_parser(*, every_command: bool = True) -> argparse.ArgumentParser:
    """The top-level parser (used for --help and for the reader's arguments); its help lists every
    command, which means importing the plugin modules: ``every_command=False`` skips that when no
    help is asked for, as when opening the reader."""
    if every_command:
        _load_plugins()
    epilog = "commands:\n" + "\n".join(f"  {name:<10} {text}" for name, text in HELP.items())
    epilog += "\n\nRun `newsreader COMMAND --help` for a command's options."
    p = argparse.ArgumentParser(
        prog="newsreader", parents=[_global_parser()],
        description="A keyboard-driven terminal news reader. With no PATH it opens your library "
                    "(the sample articles on first use); with PATHs it indexes them first.",
        epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"newsreader {__version__}")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to index and open")
    return p


# Commands that live in their own modules, which register them on import; only the module a command
# needs is imported, so opening the reader does not pay for the feed commands (tests/test_imports.py
# checks this table against what the modules register).
PLUGINS = {"feed": "feeds_cli", "refresh": "feeds_cli"}


def _load_plugins(names: Sequence[str] | None = None) -> None:
    import importlib

    modules = dict.fromkeys(PLUGINS.values()) if names is None else dict.fromkeys(
        PLUGINS[n] for n in names if n in PLUGINS)
    for module in modules:
        try:
            importlib.import_module(f"{__package__}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{module}":
                raise


def _log_to_file(home: str | None) -> None:
    """Log records go to the data folder's newsreader.log, never to the terminal being drawn on."""
    from ..index.config import resolve_paths
    from ..index.logs import setup_logging

    setup_logging(resolve_paths(home))


def _config_warnings(home: str | None) -> None:
    """What the reader shows as notifications on start-up, the command line prints as one line each: a
    config.toml that cannot be read, or a setting out of range, is never ignored without a word."""
    from ..index.config import Settings, resolve_paths

    for problem in Settings.load(resolve_paths(home).config_file).problems:
        say(f"warning: {problem}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pre, rest = _global_parser().parse_known_args(argv)
    name = next((a for a in rest if not a.startswith("-")), None)
    if name:
        _load_plugins([name])
    try:
        _log_to_file(pre.home)
        if name in COMMANDS and rest and rest[0] == name:
            _config_warnings(pre.home)
            sub = argparse.ArgumentParser(prog=f"newsreader {name}", parents=[_global_parser()],
                                          description=HELP[name])
            PARSERS[name](sub)
            args = sub.parse_args(rest[1:])
            args.home = args.home or pre.home
            return COMMANDS[name](args)
        args = build_parser(every_command=bool({"-h", "--help"} & set(argv))).parse_args(argv)
        return open_reader(args)
    except UsageError as exc:
        say(exc)
        return 2
    except NewsreaderError as exc:
        say(exc)
        return 1
    except KeyboardInterrupt:
        print("newsreader: interrupted; everything committed so far is kept (run the same command again "
              "to finish)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except PermissionError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        say(f"Cannot read or write{where}: permission denied. Give this user access to it (e.g. chmod u+rwX "
            "or chown), or run newsreader as its owner.")
        return 1
    except OSError as exc:
        say(f"{exc.strerror or exc}{': ' + str(exc.filename) if getattr(exc, 'filename', None) else ''}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
