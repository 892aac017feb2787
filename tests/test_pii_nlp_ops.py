"""The NER's dense layers run on numpy's BLAS held to one thread, and find the same entities.

`audit.pii._nlp.OfflineSpacyNlpEngine.load` swaps thinc's BLIS gemm for numpy's (a speed change
only); these tests pin that the swap happened, that BLAS is limited to one thread while the NER
runs, and that the entities equal those of the untouched model on varied texts.
"""

from __future__ import annotations

import pytest

pytest.importorskip("threadpoolctl")

from thinc.api import NumpyOps  # noqa: E402

from audit.pii._nlp import OfflineSpacyNlpEngine, choose_spacy_model  # noqa: E402

TEXTS = [
    "My name is Kenneth Foster and I live at 7 Matthew Field, Dianemouth E12 7HR.",
    "Guten Tag, Mit freundlichen Grüßen, Ivana Kovalenko. Ich wohne in Stuttgart.",
    "FOR THE BACKGROUND CHECK: SSN 225-92-6987, NAME MELANIE DOUGLAS.",
    "Please ship to 221 Rue Saint-Paul Ouest, Montréal, QC H2Y 2A2 for Haruka Zhang.",
    "hey it's tamsin okonkwo-reyes, text me on +64 21 488 3071",
    "2024-01-01 12:00:00 INFO worker=3 job finished in 12.5s",
    "Dr. Amal Abdullah flew from Lagos to São Paulo on Tuesday with Priya Perera.",
    "東京の山田太郎さん, call 03-1234-5678",
    "",
]


@pytest.fixture(scope="module")
def engines():
    import spacy

    fast = OfflineSpacyNlpEngine(choose_spacy_model())
    fast.load()
    plain = spacy.load(fast.models[0]["model_name"])
    for pipe in list(plain.pipe_names):
        if pipe != "ner":
            plain.remove_pipe(pipe)
    return fast, plain


def test_ner_layers_use_numpy_gemm(engines):
    fast, _ = engines
    nodes = list(fast.nlp["en"].get_pipe("ner").model.walk())
    ops = [n.ops for n in nodes if isinstance(n.ops, NumpyOps)]
    assert ops and all(not o.use_blis for o in ops)
    assert fast._blas is not None


def test_blas_is_one_thread_during_ner(engines, monkeypatch):
    from threadpoolctl import threadpool_info

    fast, _ = engines
    nlp = fast.nlp["en"]
    seen = []
    real = nlp.pipe

    def spy(*args, **kwargs):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return real(*args, **kwargs)

    monkeypatch.setattr(nlp, "pipe", spy)
    list(fast.pipe(TEXTS[:2]))
    assert seen and set(seen) == {1}


def test_same_entities_as_blis_model(engines):
    fast, plain = engines
    texts = TEXTS + [t.lower() for t in TEXTS] + [t.upper() for t in TEXTS]
    got = [[(e.start_char, e.end_char, e.label_) for e in a.tokens.ents]
           for a in fast.pipe(texts)]
    want = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in plain.pipe(texts)]
    assert got == want
    assert any(got)  # the texts do hold entities
