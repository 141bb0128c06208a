"""The installed ``newsreader`` command in a real pseudo-terminal, and the reader's import hygiene."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path

NEWSREADER = Path(sys.executable).with_name("newsreader")
FIRST_TITLE = "India Defense Chiefs"  # part of a seed title; either seed may be first in this copy
OTHER_TITLE = "set to sign intelligence"


def _read_until(fd: int, proc: subprocess.Popen, needles: tuple[str, ...], limit: float) -> str:
    seen = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
            text = seen.decode("utf-8", "replace")
            if any(n in text for n in needles):
                return text
    return seen.decode("utf-8", "replace")


def test_installed_command_shows_titles_and_quits(seeds_home, tmp_path):
    home = tmp_path / "home"
    import shutil

    shutil.copytree(seeds_home, home)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30")
    proc = subprocess.Popen([str(NEWSREADER), "--home", str(home)], stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    try:
        screen = _read_until(master, proc, (FIRST_TITLE, OTHER_TITLE), limit=30)
        assert FIRST_TITLE in screen or OTHER_TITLE in screen, screen[-2000:]
        os.write(master, b"q")
        # Keep draining the terminal: an app restoring the screen blocks if nobody reads the pty.
        _read_until(master, proc, (), limit=15)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_reader_never_imports_spacy(seeds_home, tmp_path):
    """Start the app and use it in a fresh interpreter, so no other test's imports can hide a leak."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(seeds_home, home)
    code = textwrap.dedent(f"""
        import asyncio, sys
        from newsreader.index.library import Library
        from newsreader.tui.app import NewsReader

        async def main():
            with Library.open({str(home)!r}) as library:
                app = NewsReader(library, seed=False)
                async with app.run_test(size=(120, 40)) as pilot:
                    await pilot.pause(0.3)
                    await app.workers.wait_for_complete()
                    await pilot.press("enter")
                    await pilot.pause(0.3)
                    await app.workers.wait_for_complete()
                    await pilot.press("slash", *"esper", "enter")
                    await pilot.pause(0.5)
                    await app.workers.wait_for_complete()
                    await pilot.press("r")
                    await pilot.pause(0.3)
                    await app.workers.wait_for_complete()
                    assert app.screen.__class__.__name__ == "RelatedScreen"
            leaked = sorted(m for m in sys.modules if m == "spacy" or m.startswith(("spacy.", "thinc")))
            print("LEAKED" if leaked else "CLEAN", leaked[:5])

        asyncio.run(main())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "CLEAN" in out.stdout, out.stdout
