"""A Whoosh segment writer that writes the same files as Whoosh's own with less Python per word.

The indexer's process shares the machine's two cores with its two NER processes, so every millisecond
it spends per article costs throughput. Most of it was Whoosh's: ~4 ms per article analysing fields
through chains of generators and pooling every posting as a tuple, ~5 ms at commit writing postings one
method call (and five asserts) at a time, re-reading each posting's field length from the length column
just written. This writer does the same work in tight loops:

- ``add_document`` analyses a text field in one loop when its analyzer is the plain chain our schema
  uses (regex tokenizer, lowercase, optional stop words, optional stemmer: with that analyzer's own
  regex, stop list and stem cache), and keeps postings grouped by field and term, already in document
  order, so a commit sorts terms instead of every posting;
- commit writes each term's posting blocks and term record with Whoosh's W3 encodings (the same
  pickles, structs and hash table), reading each field's lengths once per segment.

The segment is byte for byte the one ``whoosh.writing.SegmentWriter`` writes (tests/test_indexing_segment_writer.py
compares every file). Anything else (other field types, analyzers, formats or codecs, boosts, vectors,
spelling fields, postings merged in from older segments) goes through Whoosh's own code. It is written
against whoosh-reloaded 2.7.5, pinned in pyproject.toml; ``Store`` uses the stock writer with any other.
"""

from __future__ import annotations

import zlib
from array import array
from dataclasses import dataclass
from hashlib import md5
from itertools import groupby
from pickle import dumps
from struct import Struct
from typing import Callable, Iterable, Iterator

import whoosh
from whoosh import formats
from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

SUPPORTED_WHOOSH = (2, 7, 5)
# Postings held in memory before they go to Whoosh's pool (which spills sorted runs to disk past
# 128 MB): ~2,300 BBC articles' worth, several times the indexer's commit of 500.
HOLD_POSTINGS = 1_000_000

_pack_terminfo = W3TermInfo._struct.pack
_pack_key_value_lengths = Struct("!ii").pack  # filetables' record header
_BLOCK_MAGIC = b"W3Bl"
_WRITE_EVERY = 1 << 16  # bytes buffered before a write to the postings or terms file


def supported() -> bool:
    return tuple(whoosh.__version__[:3]) == SUPPORTED_WHOOSH


@dataclass(frozen=True, slots=True)
class _Analysis:
    """A text field's analyzer unrolled: what its tokenizer matches and what its filters do."""

    finditer: Callable
    stops: frozenset | None  # None: no StopFilter
    minsize: int
    maxsize: int | None
    stem: Callable | None  # the StemFilter's own cached stem function
    ignore: frozenset
    positions: bool  # Positions format, else Frequency
    boost: float  # the format's field_boost
    scorable: bool


def _analysis_for(field) -> _Analysis | None:
    """The unrolled analysis of ``field``; None when Whoosh's own code must index it."""
    fmt = getattr(field, "format", None)
    analyzer = getattr(field, "analyzer", None)
    if type(fmt) not in (formats.Positions, formats.Frequency) or type(analyzer) is not CompositeAnalyzer:
        return None
    items = list(analyzer.items)
    if (len(items) < 2 or type(items[0]) is not RegexTokenizer or items[0].gaps
            or type(items[1]) is not LowercaseFilter):
        return None
    rest = items[2:]
    stop = rest.pop(0) if rest and type(rest[0]) is StopFilter else None
    stem = rest.pop(0) if rest and type(rest[0]) is StemFilter else None
    if rest or (stop is not None and not stop.renumber):
        return None
    return _Analysis(items[0].expression.finditer, stop.stops if stop else None, stop.min if stop else 0,
                     stop.max if stop else None, stem._stem if stem else None,
                     stem.ignore if stem else frozenset(), type(fmt) is formats.Positions, fmt.field_boost,
                     bool(field.scorable))


def _positions(a: _Analysis, value: str) -> dict[str, list[int]]:
    """Word -> positions, numbered as the analyzer numbers them (stop words dropped, the rest renumbered)."""
    out: dict[str, list[int]] = {}
    stops, minsize, maxsize, stem, ignore = a.stops, a.minsize, a.maxsize, a.stem, a.ignore
    pos = None
    for raw, match in enumerate(a.finditer(value)):
        text = match.group(0).lower()
        if stops is not None:
            n = len(text)
            if n < minsize or (maxsize is not None and n > maxsize) or text in stops:
                continue
            pos = raw if pos is None else pos + 1
        else:
            pos = raw
        if stem is not None and text not in ignore:
            text = stem(text)
        seen = out.get(text)
        if seen is None:
            out[text] = [pos]
        else:
            seen.append(pos)
    return out


def _frequencies(a: _Analysis, value: str) -> dict[str, int]:
    out: dict[str, int] = {}
    stops, minsize, maxsize, stem, ignore = a.stops, a.minsize, a.maxsize, a.stem, a.ignore
    for match in a.finditer(value):
        text = match.group(0).lower()
        if stops is not None:
            n = len(text)
            if n < minsize or (maxsize is not None and n > maxsize) or text in stops:
                continue
        if stem is not None and text not in ignore:
            text = stem(text)
        out[text] = out.get(text, 0) + 1
    return out


def _encode_positions(poslist: list[int]) -> bytes:
    """``formats.Positions.encode``."""
    deltas = []
    base = 0
    for pos in poslist:
        deltas.append(pos - base)
        base = pos
    return pack_uint(len(deltas)) + dumps(deltas, 2)


class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with the fast paths above, and Whoosh's code wherever they do not apply."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        fields = list(self.schema.items())
        self._analysis = {name: _analysis_for(field) for name, field in fields}
        self._fast_add = not any(field.vector or field.separate_spelling() for _, field in fields)
        codec = self.codec
        self._fast_flush = (type(codec) is W3Codec and codec._inlinelimit <= 1 and codec.length_stats
                            and type(self.fieldwriter) is W3FieldWriter
                            and type(self.fieldwriter._tindex) is OrderedHashWriter)
        # field name -> term bytes -> [docnum, weight, vbytes, docnum, weight, vbytes, ...] in docnum order
        self._terms: dict[str, dict[bytes, list]] = {}
        self._held = 0

    # -- adding ------------------------------------------------------------------------------------
    def add_document(self, **fields) -> None:
        if not self._fast_add or any(name[:1] == "_" for name in fields):  # boosts, custom stored values
            if self._terms:
                self._spill()  # keep every posting in one place, in order
            return super().add_document(**fields)
        self._check_state()
        schema = self.schema
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        held = 0
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    terms = self._terms.get(fieldname)
                    if terms is None:
                        terms = self._terms[fieldname] = {}
                    a = self._analysis[fieldname]
                    if a is not None and type(value) is str:
                        length, n = _add_text(a, value, terms, docnum)
                    else:
                        length, n = _add_items(field, value, terms, docnum)
                    held += n
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        self._held += held
        if self._held > HOLD_POSTINGS:
            self._spill()

    def _spill(self) -> None:
        """Hand the held postings to Whoosh's pool, which sorts them (spilling runs to disk past its limit)."""
        add = self.pool.add
        for fieldname, terms in self._terms.items():
            for tbytes, flat in terms.items():
                for i in range(0, len(flat), 3):
                    add((fieldname, tbytes, flat[i], flat[i + 1], flat[i + 2]))
        self._terms = {}
        self._held = 0

    # -- writing the segment -----------------------------------------------------------------------
    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            # Postings in the pool: spilled, or merged in from older segments by the merge policy.
            pooled = not self._fast_flush or bool(self.pool.current or self.pool.runs)
            if pooled:
                self._spill()
            if not self._fast_flush:
                self.fieldwriter.add_postings(self.schema, pdr, self.pool.iter_postings())
            else:
                groups = _pooled_terms(self.pool.iter_postings()) if pooled else _held_terms(self._terms)
                _write_terms(self.fieldwriter, self.schema, pdr, self.docnum, groups)
                self._terms = {}
            self.fieldwriter.close()
        finally:
            if pdr:
                pdr.close()


def _add_text(a: _Analysis, value: str, terms: dict, docnum: int) -> tuple[int, int]:
    """Postings of one text field of one document; returns (field length, postings added).

    A weight is the count of the word's tokens (each boost 1.0) times the format's field boost, as
    Whoosh's ``word_values`` sums it; Whoosh then multiplies by the document's field boost, 1.0 here.
    """
    boost = a.boost
    n = 0
    if a.positions:
        words = _positions(a, value)
        for word, poslist in words.items():
            freq = len(poslist)
            _append(terms, word.encode("utf-8"), docnum, float(freq) * boost, _encode_positions(poslist))
            n += freq
    else:
        words = _frequencies(a, value)
        for word, freq in words.items():
            _append(terms, word.encode("utf-8"), docnum, float(freq) * boost, pack_uint(freq))
            n += freq
    return (n if a.scorable else 0), len(words)


def _add_items(field, value, terms: dict, docnum: int) -> tuple[int, int]:
    """Postings from the field's own ``index`` (ids, numbers, dates, booleans)."""
    length = n = 0
    for tbytes, freq, weight, vbytes in field.index(value):
        weight *= 1.0  # Whoosh's unit field boost: an int weight becomes a float, as in its pool
        if field.scorable:
            length += freq
        _append(terms, tbytes, docnum, weight, vbytes)
        n += 1
    return length, n


def _append(terms: dict, tbytes: bytes, docnum: int, weight: float, vbytes: bytes) -> None:
    flat = terms.get(tbytes)
    if flat is None:
        terms[tbytes] = [docnum, weight, vbytes]
    else:
        flat += (docnum, weight, vbytes)


def _held_terms(terms: dict[str, dict[bytes, list]]) -> Iterator[tuple[str, bytes, list]]:
    for fieldname in sorted(terms):
        byterm = terms[fieldname]
        for tbytes in sorted(byterm):
            yield fieldname, tbytes, byterm[tbytes]


def _pooled_terms(items: Iterable[tuple]) -> Iterator[tuple[str, bytes, list]]:
    """Whoosh's sorted pool of (field, term, docnum, weight, value) grouped by term."""
    for (fieldname, tbytes), postings in groupby(items, key=lambda item: (item[0], item[1])):
        flat = []
        for _, _, docnum, weight, vbytes in postings:
            if docnum == -1:  # Whoosh's marker for spelling-only words, which it skips too
                continue
            flat += (docnum, weight, b"" if vbytes is None else vbytes)
        if flat:
            yield fieldname, tbytes, flat


def _field_lengths(pdr, fieldname: str, doccount: int) -> list:
    """Each document's length of ``fieldname`` as the segment stores it (one byte, so rounded), or None
    where it stored none: what Whoosh's writer looks up for every posting."""
    if pdr is None:
        return [0] * doccount
    get = pdr.doc_field_length
    return [get(docnum, fieldname) for docnum in range(doccount)]


def _write_terms(fw: W3FieldWriter, schema, pdr, doccount: int, terms: Iterable[tuple[str, bytes, list]]) -> None:
    """Whoosh's ``FieldWriter.add_postings`` with the W3 postings writer and term table, unrolled.

    Per term: the "W3Bl" header, then blocks of up to ``blocklimit`` postings, each an int length
    (negative for the last) and two pickles: (count, last id, max weight, compression, min and max
    length bytes) and (delta-coded ids, weights minified, values minified). Then the term's record in
    the ordered hash table: field id + term -> packed W3TermInfo. Never inlined (inlinelimit 1).
    """
    codec = fw._codec
    blocklimit, compression = codec._blocklimit, codec._compression
    postfile, tindex = fw._postfile, fw._tindex
    tfile = tindex.dbfile
    index_append = tindex.index.append
    buckets = tindex.buckets
    ppos, tpos = postfile.tell(), tfile.tell()
    pbuf: list[bytes] = []
    tbuf: list[bytes] = []
    psize = tsize = 0
    lastfn = None
    key = tindex.lastkey
    prefix = b""
    fixedsize = None
    lengths: list = []
    step = 3 * blocklimit
    for fieldname, tbytes, flat in terms:
        if fieldname != lastfn:
            if lastfn is not None:
                fw.finish_field()
            fieldobj = schema[fieldname]
            fw.start_field(fieldname, fieldobj)
            prefix = pack_ushort(fw._fieldid)
            fixedsize = fieldobj.format.fixed_value_size()
            lengths = _field_lengths(pdr, fieldname, doccount)
            lastfn = fieldname

        chunks = [_BLOCK_MAGIC]
        total = len(flat)
        weight_sum, df, min_len, max_len, max_weight, min_id, max_id = 0, 0, None, 0, 0, None, 0
        i = 0
        while i < total:
            j = i + step if i + step < total else total
            ids = flat[i:j:3]
            weights = flat[i + 1:j:3]
            values = flat[i + 2:j:3]
            stored = array("f", weights)
            block_max_weight = 0
            for w in weights:
                if w > block_max_weight:
                    block_max_weight = w
            block_min = None
            block_max = 0
            for docnum in ids:
                length = lengths[docnum]
                if length:
                    if block_min is None or length < block_min:
                        block_min = length
                    if length > block_max:
                        block_max = length
            # W3TermInfo.add_block
            weight_sum += sum(stored)
            df += len(ids)
            min_len = block_min if min_len is None else min(min_len, block_min)
            max_len = max(max_len, block_max)
            max_weight = max(max_weight, block_max_weight)
            if min_id is None:
                min_id = ids[0]
            max_id = ids[-1]
            # W3PostingsWriter._mini_ids / _mini_weights / _mini_values
            deltas = []
            base = 0
            for docnum in ids:
                deltas.append(docnum - base)
                base = docnum
            first = stored[0]
            if all(w == 1.0 for w in stored):
                mini_weights = None
            elif all(w == first for w in stored):
                mini_weights = first
            else:
                mini_weights = tuple(stored)
            values = [v for v in values if v]
            if fixedsize is None or fixedsize < 0:
                mini_values = tuple(values)
            elif fixedsize == 0:
                mini_values = None
            else:
                mini_values = b"".join(values)
            data = dumps((tuple(deltas), mini_weights, mini_values), 2)
            if compression:
                data = zlib.compress(data, compression)
            info = dumps((len(ids), ids[-1], block_max_weight, compression, length_to_byte(block_min),
                          length_to_byte(block_max)), 2)
            size = len(info) + len(data)
            chunks += (pack_int(-size if j == total else size), info, data)
            i = j
        block = b"".join(chunks)
        value = _pack_terminfo(False, weight_sum, df, 0 if min_len is None else length_to_byte(min_len),
                               length_to_byte(max_len), max_weight, min_id, max_id) + pack_long(ppos) + pack_int(len(block))
        ppos += len(block)
        pbuf.append(block)
        psize += len(block)

        key = prefix + tbytes
        record = _pack_key_value_lengths(len(key), len(value)) + key + value
        index_append(tpos)
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")  # filetables.md5_hash
        buckets[h & 255].append((h, tpos))
        tpos += len(record)
        tbuf.append(record)
        tsize += len(record)
        if psize > _WRITE_EVERY:
            postfile.write(b"".join(pbuf))
            pbuf, psize = [], 0
        if tsize > _WRITE_EVERY:
            tfile.write(b"".join(tbuf))
            tbuf, tsize = [], 0
    postfile.write(b"".join(pbuf))
    tfile.write(b"".join(tbuf))
    tindex.lastkey = key
    if lastfn is not None:
        fw.finish_field()
