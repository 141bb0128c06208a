"""A segment's postings and per-document columns read as whole lists, block by block.

Whoosh's matchers hand out one posting at a time through a chain of Python calls (``is_active``,
``id``, ``score`` -> ``weight``, ``doc_field_length`` -> a column's ``__getitem__``), which is most of
what a search costs on a large library. ``collect.py`` works on whole lists instead; this module
reads them: a term's postings straight from its blocks, and a segment's field lengths and sort column
as one array each. A segment never changes once written, so the columns are kept per segment reader,
weakly: the reader a commit replaces takes its arrays with it.

Only Whoosh's own codec (whoosh3) of the Whoosh these reads were written for (``compat.py``) is read
directly. Anything else (another codec or Whoosh version, a reader that is not a segment) raises
``Unsupported`` and the caller runs Whoosh's matcher for that part of the query.
"""

from __future__ import annotations

import sys
import threading
import zlib
from array import array
from dataclasses import dataclass
from io import BytesIO
from itertools import accumulate
from pickle import load, loads
from weakref import WeakKeyDictionary

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3PerDocReader, W3TermsReader, _lenfield
from whoosh.columns import NumericColumn
from whoosh.reading import SegmentReader
from whoosh.system import _INT_SIZE

from .compat import internals_known


class Unsupported(Exception):
    """This reader or column is not one this module can read in bulk."""


@dataclass(frozen=True)
class Postings:
    """One term in one segment: ascending local docnums (deleted documents left out), the weight
    of each posting as Whoosh's matcher reports it, and the raw encoded values when asked for."""

    ids: list[int]
    weights: list[float]
    values: list[bytes] | None = None


def read(reader, fieldname: str, btext: bytes, *, values: bool = False) -> Postings:
    """The postings of an existing term of ``reader`` (a segment reader): what the matcher
    ``reader.postings`` builds (``W3Codec.postings_reader``) hands out one at a time."""
    if not internals_known():
        raise Unsupported("another Whoosh version")
    if not isinstance(reader, SegmentReader) or type(reader._terms) is not W3TermsReader:
        raise Unsupported(type(reader).__name__)
    terms = reader._terms
    info = terms.term_info(fieldname, btext)
    if info.is_inlined():  # a rare term: its postings live in the term's entry (a ListMatcher's)
        ids, weights, vals = _read_inlined(info.inlined_postings(), values)
    else:
        offset, _ = info.extent()
        if terms._postfile.get(offset, 4) != WHOOSH3_HEADER_MAGIC:
            raise Unsupported("posting list header")
        fixedsize = reader.schema[fieldname].format.fixed_value_size()
        ids, weights, vals = _read_blocks(terms._postfile, offset + 4, fixedsize, values)
    if reader.has_deletions():
        deleted = reader.deleted_docs_set
        keep = [i for i, d in enumerate(ids) if d not in deleted]
        if len(keep) != len(ids):
            ids = [ids[i] for i in keep]
            weights = [weights[i] for i in keep]
            vals = [vals[i] for i in keep] if vals is not None else None
    return Postings(ids, weights, vals)


def _read_inlined(postings: tuple, values: bool):
    """``ListMatcher.weight``/``value`` over the inlined (ids, weights, values)."""
    ids, weights, vals = postings
    ids = list(ids)
    out_weights = list(weights) if weights else [1.0] * len(ids)
    out_values = None
    if values:
        out_values = list(vals) if vals else [""] * len(ids)
    return ids, out_weights, out_values


def _read_blocks(postfile, position: int, fixedsize, values: bool):
    """Every block of a term, read the way ``W3LeafMatcher._goto``/``_read_*`` read one: a length
    (negative for the last block), the pickled block info, then the pickled (ids, weights, values)."""
    ids: list[int] = []
    weights: list[float] = []
    vals: list | None = [] if values else None
    while True:
        length = postfile.get_int(position)
        last = length < 0
        if last:
            length = -length
        block = BytesIO(postfile.get(position + _INT_SIZE, length))
        count, _, _, compression, _, _ = load(block)
        raw = block.read()
        if compression:
            raw = zlib.decompress(raw)
        block_ids, block_weights, block_values = loads(raw) if values else _ids_and_weights(raw, count)
        ids.extend(accumulate(block_ids))  # what delta_decode does
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend(array("f", [block_weights]) * count)  # the array("f") _read_weights makes
        else:
            weights.extend(block_weights)
        if values:
            if fixedsize is None or fixedsize < 0:
                vals.extend(block_values)
            elif fixedsize == 0:
                vals.extend([None] * count)
            else:
                vals.extend(block_values[i:i + fixedsize] for i in range(0, len(block_values), fixedsize))
        if last:
            return ids, weights, vals
        position += _INT_SIZE + length


# In a field with positions, most of a block's pickle is its values: protocol 2 has no bytes opcode,
# so each value is a str rebuilt through a ``_codecs.encode`` call, ~15 times the cost of the ids and
# weights together. When only those two are needed, the pickle is cut where the values' tuple starts
# (a MARK, then the GLOBAL naming _codecs.encode) and closed as a 2-tuple. The 17-byte pattern cannot
# occur earlier: there every argument is at most 8 bytes (BININT1/2, BININT, BINFLOAT, BINPUT) and sits
# between opcodes K, M, J, G, q, t, N, none of which is in the pattern, and a MARK there is followed
# by a number. A block whose values start otherwise (an empty value first, fewer than 4 values) is
# unpickled whole, and so is one whose cut does not give two sequences of the block's length.
_VALUES_START = b"(c_codecs\nencode\n"
_CLOSE_PAIR = b"\x86."  # TUPLE2, STOP


def _ids_and_weights(raw: bytes, count: int) -> tuple:
    cut = raw.find(_VALUES_START)
    if cut > 0:
        try:
            pair = loads(raw[:cut] + _CLOSE_PAIR)
        except Exception:
            pair = None
        if (type(pair) is tuple and len(pair) == 2 and type(pair[0]) is tuple and len(pair[0]) == count
                and (pair[1] is None or type(pair[1]) is float
                     or (type(pair[1]) is tuple and len(pair[1]) == count))):
            return pair[0], pair[1], None
    return loads(raw)


# -- columns, cached per segment reader --------------------------------------------------------------

_columns: WeakKeyDictionary = WeakKeyDictionary()
_columns_lock = threading.Lock()


def _cache(reader) -> dict:
    with _columns_lock:
        found = _columns.get(reader)
        if found is None:
            found = _columns[reader] = {}
        return found


def lengths(reader, fieldname: str) -> bytes:
    """The length byte of ``fieldname`` for every document of the segment (0: no length), as
    ``W3PerDocReader.doc_field_length`` reads them one at a time."""
    cache = _cache(reader)
    key = ("lengths", fieldname)
    found = cache.get(key)
    if found is None:
        perdoc = getattr(reader, "_perdoc", None)
        if not internals_known() or type(perdoc) is not W3PerDocReader:
            raise Unsupported(type(perdoc).__name__)
        doccount = reader.doc_count_all()
        creader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if creader is None:  # no document of the segment has the field: Whoosh then assumes length 1
            raise Unsupported(f"no length column for {fieldname}")
        found = bytes(_numeric_column(creader, doccount))
        cache[key] = found
    return found


def sort_keys(reader, fieldname: str) -> array | list:
    """The sort key of every document of the segment for a sortable field: what Whoosh's
    ``ColumnCategorizer`` asks the column for, one document at a time, when it sorts by the field."""
    cache = _cache(reader)
    key = ("sort", fieldname)
    found = cache.get(key)
    if found is None:
        doccount = reader.doc_count_all()
        creader = reader.column_reader(fieldname, translate=False)
        if internals_known() and type(creader) is NumericColumn.Reader and not creader._reverse:
            found = _numeric_column(creader, doccount)
        else:  # an empty column, another column type: the public per-document call
            found = [creader.sort_key(d) for d in range(doccount)]
        cache[key] = found
    return found


def _numeric_column(creader, doccount: int) -> array:
    """A ``NumericColumn.Reader``'s values for documents 0..doccount-1 in one read: the column
    stores ``_count`` fixed-size big-endian values and the default stands for the rest."""
    if type(creader) is not NumericColumn.Reader:
        raise Unsupported(type(creader).__name__)
    typecode = creader._typecode
    values = array(typecode)
    if values.itemsize != creader._fixedlen:  # struct and array disagree on this code's size
        raise Unsupported(typecode)
    count = min(creader._count, doccount)
    if count:
        values.frombytes(creader._dbfile.get(creader._basepos, count * creader._fixedlen))
        if sys.byteorder == "little" and values.itemsize > 1:
            values.byteswap()  # the column is written with struct's "!" (network order)
    if count < doccount:
        values.extend([creader._default] * (doccount - count))
    return values
