"""Bytes of unknown origin to text: BOMs, UTF-8, legacy encodings, and telling binary data apart.

Files in a news folder come from anywhere: old Windows exports (Windows-1252), UTF-16 files saved by
editors, the odd mangled byte in an otherwise UTF-8 file, and binaries that merely have a ``.txt`` name.
Each gets the most faithful text we can give it, and anything short of clean UTF-8 is reported as a
warning so the user knows to look.
"""

from __future__ import annotations

import codecs

from .base import ReadError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls that never appear in text files (tab, newlines, form feed and ESC are left out).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))
_SAMPLE = 8192
_MAX_CONTROL_SHARE = 0.10
_MAX_REPLACED_SHARE = 0.10
_WESTERN_CHAOS = 0.15  # charset_normalizer's "mess" score below which Windows-1252 reads cleanly


def bom_encoding(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 of mostly-ASCII text has a NUL in every other byte; which half says the byte order."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def reject_binary(data: bytes) -> None:
    """Raise ReadError for empty, whitespace-only or binary data; text in any encoding passes."""
    if not data.strip():
        raise ReadError("empty file" if not data else "file contains only whitespace")
    sample = data[:_SAMPLE]
    if bom_encoding(sample) or utf16_without_bom(sample):
        return
    if b"\x00" in sample:
        raise ReadError("binary data, not text (NUL bytes found)")
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > _MAX_CONTROL_SHARE * len(sample):
        raise ReadError(f"binary data, not text ({controls} control bytes in the first {len(sample)})")


def decode(data: bytes) -> tuple[str, str | None]:
    """Text and a warning (None for clean UTF-8). Raises ReadError for binary or empty data.

    Order: a byte-order mark; strict UTF-8; UTF-8 with a few bad bytes replaced when most of the
    non-ASCII text is valid UTF-8 (one stray byte should not turn every accent into mojibake);
    Windows-1252 when it reads cleanly (the usual legacy encoding, which charset detection confuses
    with Baltic and Central European code pages on short texts); charset-normalizer's guess; and
    last, UTF-8 with replacement, unless so much would be replaced that the data is not text.
    """
    reject_binary(data)
    bom = bom_encoding(data)
    if bom:
        text = data.decode(bom, errors="replace")
        warning = None if bom == "utf-8-sig" else f"decoded as {bom.upper()} (byte-order mark)"
        return _checked(text, warning)
    unmarked = utf16_without_bom(data[:_SAMPLE])
    if unmarked:
        return _checked(data.decode(unmarked, errors="replace"), f"decoded as {unmarked.upper()} (no byte-order mark)")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    good = sum(1 for ch in lenient if ch > "\x7f") - bad
    if good >= bad:
        return _checked(lenient, f"not valid UTF-8; {bad} undecodable byte sequence(s) replaced")
    from charset_normalizer import from_bytes

    western = from_bytes(data, cp_isolation=["cp1252"], threshold=_WESTERN_CHAOS).best()
    if western is not None:
        return str(western), "not UTF-8; decoded as Windows-1252 (Western European)"
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), f"not UTF-8; decoded as {best.encoding} (detected)"
    return _checked(lenient, f"not valid UTF-8; {bad} undecodable byte sequence(s) replaced")


def _checked(text: str, warning: str | None) -> tuple[str, str | None]:
    replaced = text.count("\ufffd")
    if replaced > _MAX_REPLACED_SHARE * max(1, len(text)):
        raise ReadError(f"binary data or an unknown encoding ({replaced} of {len(text)} characters undecodable)")
    return text, warning
