"""Running the command line in-process, as the feed command tests do."""

from __future__ import annotations

from newsreader.tui.cli import main


def run(capsys, *argv):
    """(exit status, stdout, stderr) of ``newsreader ARGV``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
