"""The Rich progress bar for indexing, fed by the engine's progress callback, and the summary."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .render import safe, safe_line


class IndexProgress:
    """Context manager whose ``update`` is passed to ``Library.sync(progress=...)``.

    One bar for the run: it fills with the files whose articles are all analysed, and beside it the
    files read and the articles analysed are counted apart (reading runs ahead of the analysis, so one
    number for both went back and forth). Every figure only grows; Rich redraws ten times a second,
    so the rate and the time left move even while a batch is being analysed.
    """

    def __init__(self, console: Console, *, disable: bool = False) -> None:
        self.console = console
        self.started = time.perf_counter()
        self.progress = Progress(
            SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), TextColumn("files done"), TextColumn("{task.fields[read]}"),
            TextColumn("{task.fields[analysed]}"), TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
            TextColumn("{task.fields[cluster]}", markup=False),
            console=console, disable=disable, transient=True, refresh_per_second=10,
        )
        self.task = None
        self.shown = {"done": 0, "read": 0, "articles": 0}

    def __enter__(self) -> "IndexProgress":
        self.progress.__enter__()
        self.task = self.progress.add_task("Scanning", total=None, read="", analysed="", rate="", cluster="")
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def update(self, p) -> None:
        if p.phase == "scan":
            self.progress.update(self.task, description="Scanning", read=f"{p.done} to read", total=None)
            return
        shown = self.shown
        for name in shown:  # a late event never takes a figure back
            shown[name] = max(shown[name], getattr(p, name, 0) or 0)
        elapsed = max(1e-6, time.perf_counter() - self.started)
        rate = f"{shown['articles'] / elapsed:.1f} articles/s" if shown["articles"] else ""
        self.progress.update(self.task, description="Indexing", completed=shown["done"], total=p.total or None,
                             read=f"· {shown['read']} read", analysed=f"· {shown['articles']} articles analysed",
                             rate=rate, cluster=f"· {p.cluster}" if getattr(p, "cluster", "") else "")


def print_report(console: Console, report) -> None:
    summary = Table(show_header=False, box=None, padding=(0, 1))
    rows = [("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged),
            ("removed", report.removed), ("skipped", len(report.skipped)), ("failed", len(report.failed))]
    for name, value in rows:
        style = "bold red" if name == "failed" and value else ("bold" if value else "dim")
        summary.add_row(Text(name), Text(str(value), style=style))
    console.print(summary)
    rate = f", {report.articles_per_second:.1f} articles/s" if report.analysed else ""
    console.print(Text(f"{report.seconds:.2f} s{rate}", style="dim"))
    if report.interrupted and report.rebuild:
        console.print(Text("Interrupted: the rebuild was abandoned and the library is exactly as it was before; "
                           "run the same command again to rebuild it.", style="yellow"))
    elif report.interrupted:
        kept = report.analysed
        console.print(Text(f"Interrupted: {kept} article{'s' if kept != 1 else ''} analysed before the "
                           "interruption were kept; run the same command again to index the rest.",
                           style="yellow"))
    if report.failed:
        console.print(Text("Failed:", style="bold red"))
        for problem in report.failed:
            console.print(Text.assemble("  ", (safe_line(problem.path), "bold"), ": ", safe(problem.reason)))
    if report.warnings:
        console.print(Text("Warnings:", style="yellow"))
        for problem in report.warnings[:50]:
            console.print(Text.assemble("  ", (safe_line(problem.path), "bold"), ": ", safe(problem.reason)))
        if len(report.warnings) > 50:
            console.print(Text(f"  … and {len(report.warnings) - 50} more", style="dim"))
    unsupported = [p for p in report.skipped if p.reason.startswith("unsupported file type")]
    if unsupported:
        console.print(Text(f"Skipped {len(unsupported)} file(s) of types newsreader does not read "
                           f"(e.g. {safe_line(unsupported[0].path)}).", style="dim"))
    for problem in [p for p in report.skipped if p not in unsupported][:50]:
        console.print(Text.assemble("Skipped ", (safe_line(problem.path), "bold"), ": ", safe(problem.reason), style="dim"))
