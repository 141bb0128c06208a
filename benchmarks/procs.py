"""Running a measured child process: wall time, its own peak RSS, and the peak of its whole process tree.

``os.wait4`` gives the child's own high-water mark (ru_maxrss, which covers the largest of it and its
waited-for descendants); a sampler thread adds up the RSS of the child and all its descendants every
few milliseconds, which is what the machine actually has to hold when spaCy runs worker processes.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    returncode: int
    seconds: float
    maxrss_mb: float  # ru_maxrss: the largest single process of the tree (the child or a waited-for descendant)
    own_peak_mb: float  # sampled peak of the child process alone
    tree_peak_mb: float  # sampled peak of the sum over the child and its descendants
    cpu_seconds: float  # user + system time of the child and its waited-for descendants
    stdout: str
    stderr: str


def _children_map() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        out.setdefault(int(stat[1]), []).append(int(entry.name))
    return out


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 2**20
    except OSError:
        return 0.0


def hwm_mb(pid: int) -> float:
    """The kernel's high-water mark of a live process's resident memory (VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a live process has used so far (clock ticks: 10 ms resolution)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_parts_mb(pid: int) -> dict[str, float]:
    """Resident memory split into anonymous (the heap) and file-backed (mapped index files, code)."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name = line.split(":")[0]
            if name in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[name] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


def tree_rss_mb(pid: int) -> float:
    kids = _children_map()
    total, stack = 0.0, [pid]
    while stack:
        p = stack.pop()
        total += rss_mb(p)
        stack.extend(kids.get(p, []))
    return total


def run(cmd: list[str], *, env: dict | None = None, sample_every: float = 0.05, timeout: float = 7200) -> Measured:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, text=True)
    peak = own = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, own
        while not stop.is_set():
            peak = max(peak, tree_rss_mb(proc.pid))
            own = max(own, rss_mb(proc.pid))
            stop.wait(sample_every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True),
               threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)]
    for t in readers:
        t.start()
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    sampler.join()
    for t in readers:
        t.join()
    return Measured(proc.returncode, seconds, usage.ru_maxrss / 1024, own, peak,
                    usage.ru_utime + usage.ru_stime, "".join(out_chunks), "".join(err_chunks))
