"""Entity extraction: the process pool gives exactly what one process gives, and bad models say so."""

from __future__ import annotations

import pytest

from newsreader.index.config import DEFAULT_MODEL
from newsreader.index.entities.extract import CHUNK_CHARS, EntityExtractor, ModelNotFound, chunks

TEXTS = [
    "Mayor Jane Holloway opened the bridge in Leeds on Tuesday.",
    "",
    "The Acme Corporation closed its plant in Ohio, said Robert Mills of the United Auto Workers.",
    "No names at all here, just words.",
    "Angela Merkel met Emmanuel Macron in Berlin. " * 3,
] * 6  # enough texts for several batches per worker


def test_parallel_pool_matches_one_process_in_order():
    one = list(EntityExtractor(DEFAULT_MODEL, workers=1, batch_size=4).extract(iter(TEXTS)))
    two = list(EntityExtractor(DEFAULT_MODEL, workers=2, batch_size=4).extract(iter(TEXTS)))
    assert len(one) == len(two) == len(TEXTS)
    assert one == two
    assert one[1] == [] and any(s.label == "PERSON" and s.text == "Jane Holloway" for s in one[0])
    for text, spans in zip(TEXTS, one):
        assert all(text[s.start:s.end] == s.text for s in spans)


def test_long_texts_are_cut_at_breaks_and_offsets_stay_global():
    para = "Officials in Madrid met delegates from Lisbon. " * 40
    text = "\n\n".join([para] * (CHUNK_CHARS // len(para) + 3))
    pieces = list(chunks(text))
    assert len(pieces) > 1 and "".join(p for _, p in pieces) == text
    assert all(len(p) <= CHUNK_CHARS for _, p in pieces)
    [spans] = list(EntityExtractor(DEFAULT_MODEL).extract([text]))
    assert spans[-1].start > CHUNK_CHARS and text[spans[-1].start:spans[-1].end] == spans[-1].text


@pytest.mark.parametrize("workers", [1, 2])
def test_a_missing_model_is_a_clear_error(workers):
    extractor = EntityExtractor("no_such_model_xyz", workers=workers)
    with pytest.raises(ModelNotFound, match="no_such_model_xyz"):
        list(extractor.extract(["Some text about Paris."] * 40))
