"""Make untrusted article text inert before it is stored or shown.

Articles come from arbitrary files and feeds. Terminal escape sequences (screen clears, title changes,
OSC 8 hyperlinks), C0/C1 control characters and bidirectional overrides are removed at ingest so that
no later printer can be tricked by them; Rich markup is left as literal text because every renderer
in newsreader builds ``rich.text.Text`` objects and never parses markup.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC strings,
# and two-character escapes. The 8-bit C1 forms (\x9b, \x9d ...) are handled by the control-char pass.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]              # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC, terminated by BEL or ST (or unterminated)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?       # DCS, SOS, PM, APC
    | \x1b[@-Z\\-_]                       # other two-byte escapes
    | \x1b                                # a lone ESC
    | \x9b[0-?]*[ -/]*[@-~]               # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?      # 8-bit OSC
    """,
    re.VERBOSE,
)
# Every control character except tab and newline; DEL; C1; bidi embeddings/overrides/isolates;
# and the line/paragraph separators that some terminals treat as newlines.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029\ufeff"
                       "\ud800-\udfff]")  # and lone surrogates, which no encoder will write
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def strip_unsafe(text: str) -> str:
    """Remove escape sequences and control characters; keep newlines and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _byte_escape(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def decodable(text: str) -> str:
    """``text`` with lone surrogates (a non-UTF-8 name's stray bytes) written as ``\\xNN``: valid UTF-8."""
    return _SURROGATE.sub(_byte_escape, text) if _SURROGATE.search(text) else text


def printable(text: str) -> str:
    """The one sanitiser for everything printed to a terminal or a log line: names, reasons, messages.

    A file name that is not UTF-8 arrives with its stray bytes as lone surrogates (Python's
    ``surrogateescape``); they are shown as ``\\xe9`` so the user can still tell which file it is.
    Escape sequences and control characters are then removed as in article text.
    """
    return strip_unsafe(decodable(text))


def clean_line(text: str) -> str:
    """A single-line field (title, source): inert and with whitespace folded."""
    return _SPACES.sub(" ", strip_unsafe(text).replace("\n", " ")).strip()


def clean_body(text: str) -> str:
    """A body: inert, paragraphs separated by exactly one blank line, lines trimmed."""
    text = strip_unsafe(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines).strip()
    return _BLANK_LINES.sub("\n\n", text)


_URL_SPACE = re.compile(r"\s+")


def clean_url(text: str) -> str:
    """A url from an article: inert, and without the whitespace a real url cannot contain."""
    return _URL_SPACE.sub("", strip_unsafe(text))


def neutralise(text: str) -> str:
    """Inert text of the same length: each control or bidi character becomes U+FFFD.

    For display code that holds character offsets into the text (entity spans, hits): removing
    characters would shift them, replacing keeps them. An escape sequence without its ESC is plain text.
    """
    return _CONTROLS.sub("\ufffd", text.replace("\x1b", "\ufffd")) if _UNSAFE_CHAR.search(text) else text


_UNSAFE_CHAR = re.compile("[\x1b\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029\ufeff]")
