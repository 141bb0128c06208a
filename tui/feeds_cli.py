"""``newsreader feed ...`` and ``newsreader refresh``: subscriptions and fetching from the shell.

Registered with ``tui/cli.py``'s ``command`` decorator when the CLI loads its plugins. Feed names,
titles and error reasons come from other people's servers (an HTTP reason phrase can carry a C1
``\x9b`` CSI), so they pass through ``safe()`` and are printed as ``rich.text.Text``, never as markup:
Rich strips neither ESC nor C1 characters.
"""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from .cli import UsageError, _console, _json_out, command, open_library
from .render import safe

STATE_STYLES = {"ok": "green", "failing": "bold red", "new": "yellow"}
STATUS_STYLES = {"ok": "green", "not_modified": "dim", "failed": "bold red", "skipped": "yellow"}
PHASES = {"feeds": "Fetching feeds", "pages": "Fetching article pages", "index": "Indexing articles"}


# --------------------------------------------------------------------------------------------------
# feed add / list / remove / import / export


def _feed_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="subscribe to an RSS/Atom feed (fetched at the next refresh)")
    add.add_argument("url", metavar="URL")
    add.add_argument("--name", help="what to call it (default: the feed's own title)")
    add.add_argument("--json", action="store_true")
    lst = sub.add_parser("list", help="each feed and its state: last success, last error")
    lst.add_argument("--json", action="store_true")
    rm = sub.add_parser("remove", help="unsubscribe; removes the articles only this feed brought")
    rm.add_argument("feed", metavar="URL|NAME")
    rm.add_argument("--keep-articles", action="store_true", help="keep the feed's articles in the library")
    rm.add_argument("--json", action="store_true")
    imp = sub.add_parser("import", help="subscribe to every feed in an OPML file")
    imp.add_argument("file", metavar="FILE.opml")
    imp.add_argument("--json", action="store_true")
    sub.add_parser("export", help="print the subscriptions as OPML")


@command("feed", "subscriptions: feed add URL, list, remove, import FILE.opml, export")(_feed_args)
def cmd_feed(args) -> int:
    return {"add": _add, "list": _list, "remove": _remove, "import": _import, "export": _export}[args.action](args)


def _add(args) -> int:
    with open_library(args) as library:
        feed = library.add_feed(args.url, args.name)
        if args.json:
            _json_out(feed.to_json())
        else:
            _console().print(Text.assemble("Subscribed to ", (safe(feed.name), "bold"), f" ({safe(feed.url)}). ",
                                           ("Run `newsreader refresh` to fetch it.", "dim")))
        return 0


def _list(args) -> int:
    with open_library(args) as library:
        feeds = library.feeds()
    if args.json:
        _json_out([f.to_json() for f in feeds])
        return 0
    console = _console()
    if not feeds:
        console.print(Text("No feeds yet. Add one with `newsreader feed add URL`.", style="dim"))
        return 0
    table = Table(title=f"{len(feeds)} feed{'s' if len(feeds) != 1 else ''}", title_justify="left")
    table.add_column("name")
    table.add_column("state", no_wrap=True)
    table.add_column("articles", justify="right")
    table.add_column("last success", no_wrap=True)
    table.add_column("last error / url", overflow="fold")
    for f in feeds:
        detail = Text(safe(f.last_error), style="red") if f.last_error else Text(safe(f.url), style="dim")
        if f.last_error:
            detail.append(f"\n{safe(f.url)}", style="dim")
        state = f.state + (f" ({f.failures}×)" if f.failures > 1 else "")
        table.add_row(Text(safe(f.name)), Text(state, style=STATE_STYLES.get(f.state, "")), str(f.articles),
                      _when(f.last_success), detail)
    console.print(table)
    return 0


def _remove(args) -> int:
    with open_library(args) as library:
        feed, removed = library.remove_feed(args.feed, keep_articles=args.keep_articles)
    if args.json:
        _json_out({"removed_feed": feed.to_json(), "removed_articles": removed})
    else:
        _console().print(Text.assemble("Unsubscribed from ", (safe(feed.name), "bold"),
                                       f"; {removed} article{'s' if removed != 1 else ''} removed."))
    return 0


def _import(args) -> int:
    with open(args.file, "rb") as fh:
        data = fh.read()
    with open_library(args) as library:
        result = library.import_opml(data)
    if args.json:
        _json_out({"added": [f.to_json() for f in result["added"]], "existing": result["existing"],
                   "invalid": [{"url": u, "reason": r} for u, r in result["invalid"]]})
    else:
        console = _console()
        console.print(f"Added {len(result['added'])} feed(s); {len(result['existing'])} already subscribed; "
                      f"{len(result['invalid'])} invalid.", markup=False)
        for url, reason in result["invalid"]:
            console.print(Text.assemble("  ", (safe(url), "bold"), ": ", safe(reason)))
        if result["added"]:
            console.print(Text("Run `newsreader refresh` to fetch them.", style="dim"))
    return 1 if result["invalid"] else 0


def _export(args) -> int:
    with open_library(args) as library:
        sys.stdout.write(library.export_opml())
    return 0


def _when(stamp: str | None) -> str:
    return stamp.replace("T", " ")[:16] if stamp else "never"


# --------------------------------------------------------------------------------------------------
# refresh


def _refresh_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME", help="feeds to refresh, by name or url (default: all)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds each request may take in all: connect, headers and body (default 15)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


@command("refresh", "fetch feeds and index new articles (all feeds, or the NAMEs given)")(_refresh_args)
def cmd_refresh(args) -> int:
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be more than 0")
    with open_library(args) as library:
        if not library.feeds():
            if args.json:
                _json_out({"new": 0, "updated": 0, "unchanged": 0, "failed": 0, "feeds": []})
            else:
                _console().print(Text("No feeds yet. Add one with `newsreader feed add URL`.", style="dim"))
            return 0
        err = _console(stderr=True)
        quiet = args.json or not err.is_terminal and os.environ.get("NEWSREADER_PROGRESS") != "1"
        with RefreshBar(err, disable=quiet) as bar:
            report = library.refresh_feeds(args.names or None, progress=bar.update, timeout=args.timeout)
    if args.json:
        _json_out(report.to_dict())
    else:
        print_refresh(_console(), report)
    return 1 if report.failed else 0


class RefreshBar:
    """The progress bar fed by ``Library.refresh_feeds(progress=...)``: one task, relabelled per phase."""

    def __init__(self, console: Console, *, disable: bool = False) -> None:
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.fields[what]}", style="dim", markup=False),
                                 console=console, disable=disable, transient=True)
        self.task = None

    def __enter__(self) -> "RefreshBar":
        self.progress.__enter__()
        self.task = self.progress.add_task("Fetching feeds", total=None, what="")
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def update(self, p) -> None:
        if p.phase == "done":
            return
        self.progress.update(self.task, description=PHASES.get(p.phase, p.phase), completed=p.done,
                             total=p.total or None, what=safe(p.path))


def print_refresh(console: Console, report) -> None:
    table = Table(title_justify="left", title=f"Refreshed {len(report.feeds)} feed(s) in {report.seconds:.1f} s")
    table.add_column("feed")
    table.add_column("status", no_wrap=True)
    for col in ("new", "updated", "unchanged"):
        table.add_column(col, justify="right")
    table.add_column("notes", overflow="fold")
    for f in report.feeds:
        label = {"not_modified": "not modified"}.get(f.status, f.status)
        if f.failed:
            notes = Text(safe(f.error or ""), style="red")
        else:
            notes = Text(f"{f.partial} only as summary" if f.partial else "", style="yellow")
        table.add_row(Text(safe(f.name)), Text(label, style=STATUS_STYLES.get(f.status, "")), str(f.new),
                      str(f.updated), str(f.unchanged), notes)
    console.print(table)
    console.print(Text(f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
                       f"{len(report.failed)} failed", style="bold red" if report.failed else "bold"))
    if report.interrupted:
        console.print(Text("Interrupted: what was indexed is kept; run refresh again to finish.", style="yellow"))
    warnings = [(f.name, w) for f in report.feeds for w in f.warnings]
    for name, warning in warnings[:20]:
        console.print(Text.assemble("  ", (safe(name), "bold"), ": ", (safe(warning), "dim")))
    if len(warnings) > 20:
        console.print(Text(f"  … and {len(warnings) - 20} more", style="dim"))

