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
from collections import Counter
from dataclasses import dataclass, field
from hashlib import md5
from itertools import groupby
from pickle import dumps
from struct import Struct
from typing import Callable, Iterable, Iterator

from whoosh import formats
from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3TermInfo
from whoosh.fields import FieldType
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import WORDS, is_default_pattern
from .compat import internals_known

# Postings held in memory before they go to Whoosh's pool (which spills sorted runs to disk past
# 128 MB). A held posting costs ~100 bytes (tracemalloc), so this is ~60 MB on top of the pool's limit:
# ~1,400 BBC articles, the indexer's commit of 500 with room; one huge file spills to the pool instead.
HOLD_POSTINGS = 600_000

_pack_terminfo = W3TermInfo._struct.pack
_pack_key_value_lengths = Struct("!ii").pack  # filetables' record header
_pack_pointer = Struct("!Iq").pack  # filetables' hash table slot
_BLOCK_MAGIC = b"W3Bl"
_WORD_CACHE = 200_000  # words remembered per field (what the stemmer made of them), then forgotten
_WRITE_EVERY = 1 << 16  # bytes buffered before a write to the postings or terms file
_SMALL_CACHE = 1 << 16  # entries kept of encodings that repeat (weights, single positions)


def supported() -> bool:
    """Whether this writer may stand in for Whoosh's: only on the Whoosh it was written against."""
    return internals_known()


@dataclass(frozen=True, slots=True)
class _Analysis:
    """A text field's analyzer unrolled: what its tokenizer matches and what its filters do."""

    tokens: Callable[[str], list[str]]  # the tokenizer's matches, in order, not yet lowercased
    stops: frozenset | None  # None: no StopFilter
    minsize: int
    maxsize: int | None
    stem: Callable | None  # the StemFilter's own stem function
    ignore: frozenset
    positions: bool  # Positions format, else Frequency
    boost: float  # the format's field_boost
    scorable: bool
    words: "_Words" = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", _Words(self.word))

    @property
    def filtered(self) -> bool:
        return self.stops is not None or self.stem is not None

    def word(self, text: str) -> str | None:
        """What the StopFilter and StemFilter make of a lowercased token (None: dropped)."""
        if self.stops is not None:
            n = len(text)
            if n < self.minsize or (self.maxsize is not None and n > self.maxsize) or text in self.stops:
                return None
        if self.stem is not None and text not in self.ignore:
            return self.stem(text)
        return text


def _tokenizer(expression) -> Callable[[str], list[str]]:
    """``expression.finditer`` as a list of whole matches; ``findall`` gives them directly (and faster)
    when the pattern has no groups, so Whoosh's default pattern gets a copy with its group non-capturing."""
    if is_default_pattern(expression):
        return WORDS.findall
    if expression.groups == 0:
        return expression.findall
    finditer = expression.finditer
    return lambda value: [m.group(0) for m in finditer(value)]


def _analysis_for(field) -> _Analysis | None:
    """The unrolled analysis of ``field``; None when Whoosh's own code must index it (a field class
    with its own ``index()``, such as one that adds synonyms, must have it called)."""
    if type(field).index is not FieldType.index:
        return None
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
    return _Analysis(_tokenizer(items[0].expression), stop.stops if stop else None, stop.min if stop else 0,
                     stop.max if stop else None, stem._stem if stem else None,
                     stem.ignore if stem else frozenset(), type(fmt) is formats.Positions, fmt.field_boost,
                     bool(field.scorable))


class _Words(dict):
    """Lowercased token -> what the field's filters make of it (None: dropped), worked out once."""

    def __init__(self, word: Callable[[str], str | None]) -> None:
        super().__init__()
        self.word = word

    def __missing__(self, text: str) -> str | None:
        if len(self) > _WORD_CACHE:
            self.clear()
        word = self[text] = self.word(text)
        return word


def _words(a: _Analysis, value: str) -> list[str | None]:
    """The analyzer's output for each token of ``value``: the indexed word, or None for a dropped token."""
    tokens = map(str.lower, a.tokens(value))
    return list(map(a.words.__getitem__, tokens) if a.filtered else tokens)


def _positions(a: _Analysis, value: str) -> dict[str, list[int]]:
    """Word -> positions, numbered as the analyzer numbers them: a StopFilter drops stop words and
    renumbers the words it keeps from the position of the first."""
    out: dict[str, list[int]] = {}
    words = _words(a, value)
    if a.stops is not None:
        first = next((raw for raw, word in enumerate(words) if word is not None), 0)
        numbered = enumerate([word for word in words if word is not None], first)
    else:
        numbered = enumerate(words)
    for pos, word in numbered:
        seen = out.get(word)
        if seen is None:
            out[word] = [pos]
        else:
            seen.append(pos)
    return out


def _frequencies(a: _Analysis, value: str) -> Counter:
    counts = Counter(map(str.lower, a.tokens(value)) if not a.filtered else _words(a, value))
    counts.pop(None, None)
    return counts


def _encode_positions(poslist: list[int]) -> bytes:
    """``formats.Positions.encode``; the pickle of a word seen once (most words) from a cache.

    Always a new bytes object: a block's values are pickled together, and pickle writes an object it
    has seen before in the same tuple as a back-reference, which Whoosh's own writer never does.
    """
    if len(poslist) == 1:
        pos = poslist[0]
        pickled = _ONE_POSITION.get(pos)
        if pickled is None:
            pickled = dumps([pos], 2)
            if len(_ONE_POSITION) < _SMALL_CACHE:
                _ONE_POSITION[pos] = pickled
        return _ONE + pickled
    deltas = []
    base = 0
    for pos in poslist:
        deltas.append(pos - base)
        base = pos
    return pack_uint(len(deltas)) + dumps(deltas, 2)


_ONE = pack_uint(1)
_FLOAT32: dict[float, float] = {}  # a weight as the block's array("f") stores it
_LENGTH_BYTE = {byte_to_length(b): b for b in range(256)}  # length_to_byte of the lengths a segment stores
_ONE_POSITION: dict[int, bytes] = {}


class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with the fast paths above, and Whoosh's code wherever they do not apply."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)  # takes the index's write lock
        try:
            fields = list(self.schema.items())
            # Fields known now; one added later (``add_field``, a glob name) goes through Whoosh's code.
            self._analysis = {name: _analysis_for(field) for name, field in fields}
            self._fast_add = not any(field.vector or field.separate_spelling() for _, field in fields)
            codec = self.codec
            self._fast_flush = (type(codec) is W3Codec and codec._inlinelimit <= 1 and codec.length_stats
                                and type(self.fieldwriter) is W3FieldWriter
                                and type(self.fieldwriter._tindex) is OrderedHashWriter)
        except BaseException:
            self.cancel()  # releases the lock: a writer that cannot start must not keep the index locked
            raise
        # field name -> term bytes -> [docnum, weight, vbytes, docnum, weight, vbytes, ...] in docnum order
        self._terms: dict[str, dict[bytes, list]] = {}
        self._held = 0

    # -- adding ------------------------------------------------------------------------------------
    def add_document(self, **fields) -> None:
        analysis = self._analysis
        if not self._fast_add or any(name[:1] == "_" or name not in analysis for name in fields):
            # boosts, custom stored values, fields added since this writer started
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
                    a = analysis[fieldname]
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
            self._forget(docnum)
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        self._held += held
        if self._held > HOLD_POSTINGS:
            self._spill()

    def _forget(self, docnum: int) -> None:
        """Drop the postings a document that failed half-way left behind (the next document reuses its
        number). Postings are held in document order, so its are at the end of each term's list."""
        for terms in self._terms.values():
            for tbytes in [t for t, flat in terms.items() if flat[-3] == docnum]:
                flat = terms[tbytes]
                while flat and flat[-3] == docnum:
                    del flat[-3:]
                if not flat:
                    del terms[tbytes]

    def _spill(self) -> None:
        """Hand the held postings to Whoosh's pool, which sorts them (spilling runs to disk past its limit).
        Each term's list is let go as soon as it is copied, so the two copies never both exist whole."""
        add = self.pool.add
        while self._terms:
            fieldname, terms = self._terms.popitem()
            while terms:
                tbytes, flat = terms.popitem()
                for i in range(0, len(flat), 3):
                    add((fieldname, tbytes, flat[i], flat[i + 1], flat[i + 2]))
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
                tindex = self.fieldwriter._tindex
                tindex._write_hashes = lambda: _write_hash_tables(tindex)  # called by close() below
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
        postings = ((word, len(poslist), _encode_positions(poslist)) for word, poslist in words.items())
    else:
        words = _frequencies(a, value)
        postings = ((word, freq, pack_uint(freq)) for word, freq in words.items())
    for word, freq, vbytes in postings:
        _append(terms, word.encode("utf-8"), docnum, float(freq) * boost, vbytes)
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

        total = len(flat)
        if total == 3:  # one posting (most terms of a segment): the general loop below, worked out
            docnum, weight, vbytes = flat
            weight32 = _FLOAT32.get(weight)
            if weight32 is None:
                weight32 = array("f", (weight,))[0]
                if len(_FLOAT32) < _SMALL_CACHE:
                    _FLOAT32[weight] = weight32
            length = lengths[docnum]
            if fixedsize is None or fixedsize < 0:
                mini_values = (vbytes,) if vbytes else ()
            else:
                mini_values = None if fixedsize == 0 else (vbytes or b"")
            data = dumps(((docnum,), None if weight32 == 1.0 else weight32, mini_values), 2)
            if compression:
                data = zlib.compress(data, compression)
            max_weight = weight if weight > 0 else 0
            if length:  # the block's and the term's min and max length are this one
                length_byte = _LENGTH_BYTE.get(length) or length_to_byte(length)
                min_byte = max_byte = length_byte
            else:  # none stored: min None (byte 0) and max 0 (byte 0)
                min_byte = max_byte = 0
            info = dumps((1, docnum, max_weight, compression, min_byte, max_byte), 2)
            block = b"".join((_BLOCK_MAGIC, pack_int(-len(info) - len(data)), info, data))
            value = _pack_terminfo(False, weight32, 1, min_byte, max_byte, max_weight,
                                   docnum, docnum) + pack_long(ppos) + pack_int(len(block))
        else:
            block, value = _blocks(flat, lengths, fixedsize, blocklimit, compression, ppos)
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


def _blocks(flat: list, lengths: list, fixedsize, blocklimit: int, compression: int, offset: int) -> tuple[bytes, bytes]:
    """A term's postings as W3 blocks, and its packed W3TermInfo (postings at ``offset``).

    Whoosh's ``add_posting``/``_write_block``/``W3TermInfo.add_block`` per block, as list operations.
    Weights are counts times boosts, never NaN, so ``max`` and ``count`` see them as Whoosh's loops do.
    """
    chunks = [_BLOCK_MAGIC]
    total = len(flat)
    step = 3 * blocklimit
    weight_sum, df, min_len, max_len, max_weight, min_id = 0, 0, None, 0, 0, None
    i = 0
    while i < total:
        j = i + step if i + step < total else total
        ids = flat[i:j:3]
        weights = flat[i + 1:j:3]
        n = len(ids)
        stored = array("f", weights)
        top = max(weights)
        block_max_weight = top if top > 0 else 0
        present = [length for length in map(lengths.__getitem__, ids) if length]
        block_min = min(present) if present else None
        block_max = max(present) if present else 0
        # W3TermInfo.add_block
        weight_sum += sum(stored)
        df += n
        min_len = block_min if min_len is None else min(min_len, block_min)
        max_len = max(max_len, block_max)
        max_weight = max(max_weight, block_max_weight)
        if min_id is None:
            min_id = ids[0]
        # W3PostingsWriter._mini_ids / _mini_weights / _mini_values
        deltas = tuple(b - a for a, b in zip([0] + ids, ids))
        if stored.count(1.0) == n:
            mini_weights = None
        elif stored.count(stored[0]) == n:
            mini_weights = stored[0]
        else:
            mini_weights = tuple(stored)
        if fixedsize is None or fixedsize < 0:
            mini_values = tuple([v for v in flat[i + 2:j:3] if v])
        elif fixedsize == 0:
            mini_values = None
        else:
            mini_values = b"".join([v for v in flat[i + 2:j:3] if v])
        data = dumps((deltas, mini_weights, mini_values), 2)
        if compression:
            data = zlib.compress(data, compression)
        info = dumps((n, ids[-1], block_max_weight, compression, length_to_byte(block_min),
                      length_to_byte(block_max)), 2)
        size = len(info) + len(data)
        chunks += (pack_int(-size if j == total else size), info, data)
        i = j
    block = b"".join(chunks)
    value = _pack_terminfo(False, weight_sum, df, 0 if min_len is None else length_to_byte(min_len),
                           length_to_byte(max_len), max_weight, min_id, flat[-3]) + pack_long(offset) + pack_int(len(block))
    return block, value


def _write_hash_tables(hw: OrderedHashWriter) -> None:
    """``filetables.HashWriter._write_hashes`` (256 open-addressing tables of (hash, position)
    pointers) with one write for all of them instead of one per slot."""
    dbfile = hw.dbfile
    pos = dbfile.tell()
    null = (0, 0)
    out = []
    for entries in hw.buckets:
        numslots = 2 * len(entries)
        hw.directory.append((pos, numslots))
        table = [null] * numslots
        for hashval, position in entries:
            slot = (hashval >> 8) % numslots
            while table[slot] != null:
                slot = (slot + 1) % numslots
            table[slot] = (hashval, position)
        data = b"".join([_pack_pointer(h, p) for h, p in table])
        out.append(data)
        pos += len(data)
    dbfile.write(b"".join(out))
