"""The engine's direct path gives what presidio's `AnalyzerEngine.analyze` gives, text by text."""

from __future__ import annotations

import pytest

from audit.pii import PIIConfig, PIIEngine, get_engine
from audit.pii._gate import RecognizerGate, score_ceiling
from audit.pii.engine import _entities_for
from audit.pii._normalize import normalize
from bench.pii_evalset import generate
from tests.pii_dev_cases import CASES, CLEAN


def _key(r) -> tuple:
    exp = r.analysis_explanation
    return (r.start, r.end, r.entity_type, r.score, r.recognition_metadata.get("recognizer_name"),
            exp.pattern_name if exp else None, exp.supportive_context_word if exp else None)


@pytest.fixture(scope="module")
def engine() -> PIIEngine:
    return get_engine().load()


def _texts() -> list[str]:
    texts = [e.text for e in generate(240, 29)]
    # The development set adds other scripts, languages, speech-to-text and PII-free texts, so
    # the name/place list recognizers and the issue-13 patterns are compared too.
    dev = [normalize(t).text for t, _ in CASES] + CLEAN
    return texts + [t.lower() for t in texts[:80]] + [t.upper() for t in texts[80:120]] + dev


def test_direct_path_equals_analyzer_engine(engine: PIIEngine) -> None:
    cfg = engine.config
    texts = _texts()
    direct = engine._analyze_pieces(texts)
    for text, got, art in zip(texts, direct, engine._nlp.pipe(texts), strict=True):
        entities = _entities_for(text, cfg.entities)
        want = engine._analyzer.analyze(text=text, language="en", entities=entities,
                                        nlp_artifacts=art, return_decision_process=True,
                                        score_threshold=cfg.score_threshold)
        assert sorted(map(_key, got)) == sorted(map(_key, want)), text


def test_gate_skips_only_recognizers_that_cannot_reach_the_threshold(engine: PIIEngine) -> None:
    recognizers = engine._analyzer.registry.recognizers
    by_name = {r.name: r for r in recognizers}
    assert score_ceiling(by_name["DateOfBirthRecognizer"]) == 0.2
    assert score_ceiling(by_name["NhsContextRecognizer"]) == 0.35
    assert score_ceiling(by_name["PhoneFormatRecognizer"]) is None  # own analyze: unknown
    gate = engine._gate
    names = lambda text: {r.name for r in gate.select(text, recognizers)}  # noqa: E731
    plain = names("Order 943 476 5919 placed on 03/12/1985")
    assert {"DateOfBirthRecognizer", "NhsContextRecognizer", "UsPassportRecognizer"} \
        .isdisjoint(plain)
    assert "PhoneFormatRecognizer" in plain
    assert {"DateOfBirthRecognizer", "NhsContextRecognizer"} <= names(
        "Patient born 03/12/1985, NHS 943 476 5919")
    # With a threshold a match can reach on its own, everything runs.
    low = RecognizerGate(recognizers, engine._analyzer.context_aware_enhancer, 0.1)
    assert len(low.select("03/12/1985", recognizers)) == len(recognizers)


def test_context_still_lifts_gated_matches(engine: PIIEngine) -> None:
    spans = engine.analyze_one("Her date of birth is 03/12/1985.")
    assert [(s.entity_type, s.score) for s in spans] == [("DATE_OF_BIRTH", 0.55)]
    assert engine.analyze_one("Shipped on 03/12/1985.") == []


def test_duplicate_texts_in_one_call_get_equal_results(engine: PIIEngine) -> None:
    text = "Call Anna Weber on 212-555-0199 or mail anna@example.com"
    one = engine.analyze_one(text)
    assert one and engine.analyze([text, "", text, "   "]) == [one, [], one, []]


def test_entity_set_with_nothing_to_look_for_yields_nothing() -> None:
    engine = PIIEngine(PIIConfig(entities=("EMAIL_ADDRESS",)))
    assert engine.analyze(["Anna Weber lives at 42 Baker Street", "mail a@example.com"]) == [
        [], [engine.analyze_one("mail a@example.com")[0]]]


def test_spacy_batches_respect_count_and_character_budget() -> None:
    from audit.pii._nlp import _batches

    texts = ["a" * 10] * 5 + ["b" * 100] + ["c"] * 3
    assert [len(b) for b in _batches(texts, 3, 1000)] == [3, 3, 3]
    assert [len(b) for b in _batches(texts, 100, 35)] == [3, 2, 1, 3]
    assert list(_batches([], 4, 10)) == []
    with pytest.raises(Exception, match="batch_size"):
        PIIConfig(batch_size=0)
