"""A feed refresh's report (``RefreshReport.to_dict()`` from the child process) in plain words for notifications.

The report arrives as JSON from the child, so these read dicts. Names and reasons come from other people's
servers; callers show the text with ``markup=False``.
"""

from __future__ import annotations

from .render import safe

MOST_FAILURES_SHOWN = 6


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_text(report: dict) -> str:
    """``3 new articles, 1 updated, 2 unchanged · 1 of 3 feeds failed``."""
    feeds = report.get("feeds") or []
    parts = [_plural(int(report.get("new") or 0), "new article")]
    if report.get("updated"):
        parts.append(f"{report['updated']} updated")
    if report.get("unchanged"):
        parts.append(f"{report['unchanged']} unchanged")
    text = ", ".join(parts)
    failed = int(report.get("failed") or 0)
    if failed:
        text += f" · {failed} of {_plural(len(feeds), 'feed')} failed"
    if report.get("interrupted"):
        text += " · stopped early"
    return text


def failure_text(report: dict) -> str:
    """One line per failed feed, ``name: reason``; empty when every feed worked."""
    failed = [f for f in report.get("feeds") or [] if f.get("status") == "failed"]
    lines = [f"{safe(str(f.get('name') or f.get('url') or '?'))}: {safe(str(f.get('error') or 'failed'))}"
             for f in failed[:MOST_FAILURES_SHOWN]]
    if len(failed) > MOST_FAILURES_SHOWN:
        lines.append(f"and {len(failed) - MOST_FAILURES_SHOWN} more (`newsreader feed list` shows all)")
    return "\n".join(lines)
