"""File names as hostile input: bytes that are not UTF-8, terminal escapes, links leading out of the folder.

A corpus of such names is written to a real folder; every command that prints a name must print no
escape byte, no C1 control and no bidi override, and a name that is not UTF-8 must be found again on the
next run (kept losslessly) rather than aborting the whole run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import run

TEXT = "Harbour board meets\n\nThe Portmere harbour board met on Monday to discuss pier number {n}.\n"
# Each name is one way a file name can attack a terminal or a naive encoder.
HOSTILE = [
    b"caf\xe9.txt",                      # Latin-1: not UTF-8
    b"esc\x1b[2Jclear.txt",              # CSI: clears the screen
    b"title\x1b]0;pwned\x07.txt",        # OSC: renames the terminal tab
    b"clip\x1b]52;c;aGk=\x07.md",        # OSC 52: writes the clipboard
    b"c1\xc2\x9b31mred.txt",             # U+009B, a one-character CSI
    b"raw\x9b2J.txt",                    # a raw 0x9B byte (not UTF-8 either)
    b"bidi\xe2\x80\xaegnp.txt",          # right-to-left override
    b"new\nline.txt",                    # a line of its own
    b"[bold]markup[b].txt",              # Rich markup
]
LEAK = re.compile(rb"\x1b|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def hostile_folder(root: Path) -> Path:
    folder = root / os.fsdecode(b"news\xff\x1b[2J")  # the folder's own name is neither UTF-8 nor inert
    folder.mkdir()
    for n, name in enumerate(HOSTILE):
        (folder / os.fsdecode(name)).write_text(TEXT.format(n=n), encoding="utf-8")
    (folder / os.fsdecode(b"empty\x1b]0;x\x07.txt")).write_bytes(b"")  # a failure line
    (folder / os.fsdecode(b"bin\x1b[5m.txt")).write_bytes(b"\x00\x01\x02" * 50)
    (folder / os.fsdecode(b"skip\x1b[2J.unsupported")).write_text("x")  # the "Skipped ... e.g." line
    secret = root / "secret"
    secret.mkdir()
    (secret / "passwd.txt").write_text("Secret heading\n\nroot:x:0:0:the secret body kestrelword\n")
    (folder / "passwd.txt").symlink_to(secret / "passwd.txt")
    (folder / "etc-link").symlink_to(secret)
    return folder


def assert_inert(data: bytes) -> None:
    assert not LEAK.findall(data), LEAK.findall(data)[:5]
    data.decode("utf-8")  # every byte printed is valid UTF-8
    assert b"Traceback" not in data


def test_hostile_names_are_indexed_kept_losslessly_and_printed_inert(tmp_path, capsys):
    folder = hostile_folder(tmp_path)
    home = str(tmp_path / "home")
    code, out, err = run(capsys, "--home", home, "index", str(folder))
    assert code == 1, err  # the empty and the binary file failed; nothing else
    assert_inert((out + err).encode("utf-8"))  # a lone surrogate could not even be encoded
    assert "news\\xff" in out and "symbolic link to outside the folder" in out  # stray bytes as \xNN
    assert "Failed:" in out and "Skipped 1 file(s)" in out

    # The installed command, end to end: the second run analyses nothing, so it needs no spaCy.
    command = str(Path(sys.executable).parent / "newsreader")
    again = subprocess.run([command, "--home", home, "index", "--json", str(folder)], capture_output=True,
                           timeout=120)
    assert_inert(again.stdout + again.stderr)
    summary = json.loads(again.stdout)
    assert (summary["added"], summary["unchanged"], summary["removed"]) == (0, 9, 0)  # found again: lossless
    for argv in (["search", "harbour", "--limit", "20"], ["stats"], ["stats", "--json"], ["entities"]):
        code, out, err = run(capsys, "--home", home, *argv)
        assert code == 0
        assert_inert((out + err).encode("utf-8"))
    code, out, err = run(capsys, "--home", home, "search", "harbour", "--json", "--limit", "20")
    assert_inert((out + err).encode("utf-8"))
    paths = {r["path"] for r in json.loads(out)["results"]}
    assert len(paths) == 9 and any("caf\\xe9.txt" in p for p in paths)
    code, out, err = run(capsys, "--home", home, "search", "kestrelword", "--json")
    assert json.loads(out)["total"] == 0  # the links' target was never read


def test_links_outside_are_followed_only_when_asked(tmp_path, capsys):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "here.txt").write_text(TEXT.format(n=1))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "there.txt").write_text("Far away\n\nA story kept elsewhere about the kestrelword.\n")
    (folder / "there.txt").symlink_to(outside / "there.txt")
    (folder / "inside.txt").symlink_to(folder / "here.txt")  # a link within the folder is fine
    home = str(tmp_path / "home")
    code, out, _ = run(capsys, "--home", home, "index", "--json", str(folder))
    summary = json.loads(out)
    assert code == 0 and summary["added"] == 2
    assert [p["path"] for p in summary["skipped"]] == [str(folder / "there.txt")]
    code, out, _ = run(capsys, "--home", home, "index", "--json", "--follow-links", str(folder))
    assert json.loads(out)["added"] == 1
    code, out, _ = run(capsys, "--home", home, "index", "--json", str(folder))  # and without: gone again
    assert json.loads(out)["removed"] == 1


def test_a_file_turned_into_a_folder_is_removed_like_a_deleted_file(tmp_path, capsys):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "story.txt").write_text(TEXT.format(n=1))
    (folder / "other.txt").write_text(TEXT.format(n=2))
    home = str(tmp_path / "home")
    run(capsys, "--home", home, "index", str(folder))
    (folder / "story.txt").unlink()
    (folder / "story.txt").mkdir()
    code, out, _ = run(capsys, "--home", home, "index", "--json", str(folder))
    summary = json.loads(out)
    assert code == 0 and summary["removed"] == 1 and summary["unchanged"] == 1


@pytest.mark.parametrize("name", HOSTILE)
def test_the_sanitiser_leaves_nothing_live(name):
    from newsreader.index.textclean import printable

    shown = printable(os.fsdecode(name)).encode("utf-8")  # would raise on a lone surrogate
    assert_inert(shown)


from hypothesis import given, settings, strategies as st  # noqa: E402

ANY_TEXT = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=60)
LIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u2028\u2029\ud800-\udfff]")


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_printable_output_is_always_inert_and_encodable(text):
    from newsreader.index.textclean import printable

    shown = printable(text)
    assert not LIVE.search(shown) and "\x1b" not in shown
    shown.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.lists(ANY_TEXT, max_size=4))
def test_json_output_is_inert_and_gives_back_exactly_what_went_in(values):
    import contextlib
    import io

    from newsreader.tui.cli import _json_out

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        _json_out({"values": values})
    out = buffer.getvalue()
    assert not LIVE.search(out)
    out.encode("utf-8")
    assert json.loads(out) == {"values": values}  # surrogates and controls come back as \u escapes
