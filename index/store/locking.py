"""One writer per library, across processes: an advisory ``flock`` held for a whole sync.

The kernel drops the lock when the holder dies, so a killed indexer never leaves the library stuck.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..errors import LibraryBusy, ReadOnlyLibrary


@contextmanager
def write_lock(path: Path, *, wait: float = 0.0, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError as exc:
        raise ReadOnlyLibrary(path.parent, exc) from exc
    except OSError as exc:
        if exc.errno == 30:  # EROFS
            raise ReadOnlyLibrary(path.parent, exc) from exc
        raise
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LibraryBusy() from None
                if on_wait and not told:
                    on_wait()
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock
