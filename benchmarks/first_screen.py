"""Time to first screen: the installed ``newsreader`` in a real terminal, next to a bare Textual app.

Both run in tmux panes of the same size on a private tmux server (``-L``) that is started before
timing, so neither pays for the server. The clock starts when tmux is asked to open the pane and
stops at the first ``capture-pane`` whose text contains the marker: for newsreader the newest article's
title and the footer's help key (a screen is usable once its keys are shown, not only its list), for the
bare app the Static's text. Polling costs a few milliseconds per look, the same
for both. The CPU time the process had used when its marker was seen is read too: on a busy
two-core machine wall time swings by tens of percent between launches, CPU time much less. After the screen is up the process is left to settle (background workers finish loading
the list and the first article) and its VmHWM is read before ``q`` is sent: the reader's peak memory.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

from procs import cpu_seconds, hwm_mb, rss_parts_mb

SOCKET = f"nrbench-{uuid.uuid4().hex[:8]}"
BARE_APP = Path(__file__).resolve().parent / "bare_app.py"
BARE_MARKER = "bare textual app ready"
SIZE = (120, 40)
READER_KEYS = "? Help"  # in the footer only


def _tmux(*args: str, check: bool = True) -> str:
    out = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)
    if check and out.returncode != 0:
        raise RuntimeError(f"tmux {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def start_server() -> None:
    _tmux("-f", "/dev/null", "new-session", "-d", "-s", "hold", "-x", "80", "-y", "24", "sleep 100000")
    _tmux("set-option", "-g", "remain-on-exit", "on")


def stop_server() -> None:
    _tmux("kill-server", check=False)


def _screen(target: str) -> str:
    return _tmux("capture-pane", "-p", "-t", target, check=False)


def measure(cmd: list[str], marker: str | tuple[str, ...], *, timeout: float = 60.0, settle: float = 2.0,
            env: dict[str, str] | None = None) -> dict:
    """Seconds until ``marker`` (every one of them, if several) is on screen, the process's peak memory,
    and whether it quit cleanly on q."""
    name = f"m{uuid.uuid4().hex[:6]}"
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
    shell = f"{'export ' + exports + ';' if exports else ''} exec {shlex.join(cmd)}"
    started = time.perf_counter()
    _tmux("new-session", "-d", "-s", name, "-x", str(SIZE[0]), "-y", str(SIZE[1]), shell)
    pid = int(_tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())
    seconds = cpu = None
    screen = ""
    wanted = [m.lower() for m in ((marker,) if isinstance(marker, str) else marker)]
    while time.perf_counter() - started < timeout:
        screen = _screen(name).lower()
        if all(m in screen for m in wanted):
            seconds = time.perf_counter() - started
            cpu = cpu_seconds(pid)
            break
        if _tmux("display-message", "-p", "-t", name, "#{pane_dead}", check=False).strip() == "1":
            break
        time.sleep(0.005)
    result: dict = {"seconds": seconds, "cpu_seconds": cpu, "pid": pid}
    if seconds is None:
        result["error"] = "marker never appeared"
        result["screen"] = screen[-2000:]
        _tmux("kill-session", "-t", name, check=False)
        return result
    time.sleep(settle)
    result["peak_rss_mb"] = round(hwm_mb(pid), 1)
    result["rss_parts_mb"] = rss_parts_mb(pid)
    _tmux("send-keys", "-t", name, "q")
    deadline = time.perf_counter() + 10
    status = None
    while time.perf_counter() < deadline:
        if _tmux("display-message", "-p", "-t", name, "#{pane_dead}", check=False).strip() == "1":
            code = signal = ""
            for _ in range(50):  # tmux fills in the status a moment after marking the pane dead
                time.sleep(0.02)
                code = _tmux("display-message", "-p", "-t", name, "#{pane_dead_status}").strip()
                signal = _tmux("display-message", "-p", "-t", name, "#{pane_dead_signal}").strip()
                if code or signal:
                    break
            status = int(code) if code else f"signal {signal}" if signal else "unknown"
            break
        time.sleep(0.02)
    result["exit_status"] = status
    _tmux("kill-session", "-t", name, check=False)
    return result


def newest_title(home: Path) -> str:
    """What the reader should show first: the newest article's title (the list is newest first)."""
    from newsreader.index.library import Library

    with Library.open(home, readonly=True) as library:
        hits = library.search("", limit=1, sort="date").hits
    return hits[0].title if hits else ""


def marker_for(title: str, width: int = 24) -> str:
    """The title's first words, cut short enough to fit the list column unwrapped."""
    out = ""
    for word in title.split():
        if len(out) + len(word) + 1 > width:
            break
        out = f"{out} {word}".strip()
    return out or title[:width]


def compile_package() -> None:
    """Write newsreader's bytecode, as installing a wheel does.

    An editable install has none, and with PYTHONDONTWRITEBYTECODE set (as on the project's machine)
    running never writes it, so every launch compiled all ~35 modules from source (~0.1 s) while the
    bare app's Textual came precompiled from site-packages: a cost no installed reader pays.
    """
    import compileall
    import importlib.util

    for name in ("newsreader.index", "newsreader.tui"):
        spec = importlib.util.find_spec(name)
        for folder in spec.submodule_search_locations if spec else []:
            compileall.compile_dir(folder, quiet=1)


def compare(home: Path, *, repeats: int, newsreader: str) -> dict:
    """Bare app and reader alternately, ``repeats`` times each; medians, p95 and the ratio."""
    from search_bench import percentile

    compile_package()
    title = newest_title(home)
    marker = (marker_for(title), READER_KEYS)
    bare, ours, memory, bare_memory, errors, exits, parts = [], [], [], [], [], [], []
    bare_cpu, ours_cpu = [], []
    start_server()
    try:
        measure([sys.executable, str(BARE_APP)], BARE_MARKER, settle=0.2)  # warm the file cache
        measure([newsreader, "--home", str(home)], marker, settle=0.2)
        for _ in range(repeats):
            b = measure([sys.executable, str(BARE_APP)], BARE_MARKER)
            r = measure([newsreader, "--home", str(home)], marker)
            for m, into, mem, cpu in ((b, bare, bare_memory, bare_cpu), (r, ours, memory, ours_cpu)):
                if m["seconds"] is None:
                    errors.append(m)
                    continue
                into.append(m["seconds"])
                mem.append(m["peak_rss_mb"])
                if m["cpu_seconds"] is not None:
                    cpu.append(m["cpu_seconds"])
            exits.append(r.get("exit_status"))
            parts.append(r.get("rss_parts_mb"))
    finally:
        stop_server()
    out: dict = {"marker": marker, "repeats": repeats, "errors": errors[:2], "reader_exit_status": exits}
    if bare and ours:
        import statistics

        out.update({
            "bare_p50_s": round(statistics.median(bare), 3), "bare_p95_s": round(percentile(bare, 95), 3),
            "reader_p50_s": round(statistics.median(ours), 3), "reader_p95_s": round(percentile(ours, 95), 3),
            "ratio_p50": round(statistics.median(ours) / statistics.median(bare), 2),
            "reader_peak_mb": round(max(memory), 1), "bare_peak_mb": round(max(bare_memory), 1),
            "reader_rss_parts_mb": parts[-1],
        })
    if bare_cpu and ours_cpu:
        import statistics

        out.update({"bare_cpu_p50_s": round(statistics.median(bare_cpu), 3),
                    "reader_cpu_p50_s": round(statistics.median(ours_cpu), 3),
                    "cpu_ratio_p50": round(statistics.median(ours_cpu) / statistics.median(bare_cpu), 2)})
    return out
