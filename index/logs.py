"""Logging to a file in the data folder, never to the terminal.

The reader draws on the terminal, and the indexer's stderr is only read when it fails, so a warning
or a reader's traceback printed there would garble the screen or go unseen. Every entry point (the
CLI, the index worker, the reader) calls ``setup_logging`` once; records then go to
``newsreader.log`` in the data folder, rotated so it never grows past a few megabytes.
"""

from __future__ import annotations

import logging
import logging.handlers
import os

from .config import Paths

MAX_BYTES = 1_000_000
BACKUPS = 2
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """Opens the file on the first record (a ``--help`` creates nothing) and fails silently.

    A read-only or missing data folder must not turn every log call into "--- Logging error ---" on
    the terminal; losing the log is the lesser harm there.
    """

    def _open(self):
        os.makedirs(os.path.dirname(self.baseFilename), exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def setup_logging(paths: Paths, *, level: int = logging.INFO) -> logging.Handler:
    """Send newsreader's log records (and Python warnings) to ``paths.log_file``; returns the handler.

    One log file per process: a second call for the same file returns the handler already installed,
    a call for another data folder moves logging there. Other libraries' records reach the file from
    WARNING up only.
    """
    root = logging.getLogger()
    target = os.path.abspath(paths.log_file)
    for handler in list(root.handlers):
        if isinstance(handler, _QuietFileHandler):
            if handler.baseFilename == target:
                return handler
            root.removeHandler(handler)
            handler.close()
    handler = _QuietFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.getLogger("newsreader").setLevel(level)
    logging.captureWarnings(True)
    return handler
