"""Presidio's `AnalyzerEngine.analyze` steps for one text, without its per-call overhead.

`AnalyzerEngine.analyze` re-selects recognizers, splits the results once per recognizer for the
recognizer-level context hook (two list scans per recognizer), and removes low scores and
duplicates; for Assay's short texts that bookkeeping costs about as much as the regexes. The
function below runs the same steps in the same order on results from the same recognizers, so its
output equals `analyze(..., return_decision_process=True, score_threshold=t)`
(`tests/test_pii_engine_equivalence.py` checks this on the evaluation set).
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

__all__ = ["analyze_text", "overrides_context_hook"]

_ID = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
_NAME = RecognizerResult.RECOGNIZER_NAME_KEY


def overrides_context_hook(recognizer: Any) -> bool:
    """Whether a recognizer has its own `enhance_using_context` (presidio's default is a no-op)."""
    return type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context


def analyze_text(text: str, entities: list[str], artifacts: Any, recognizers: list[Any],
                 enhancer: Any, score_threshold: float,
                 hooked: frozenset[int] = frozenset()) -> list[RecognizerResult]:
    """Results for `text`: recognizers, context enhancement, threshold, de-duplication.

    `hooked` holds the `id()` of recognizers whose own context hook must run (see
    `overrides_context_hook`); for the others presidio's hook returns its input unchanged.
    """
    results: list[RecognizerResult] = []
    for rec in recognizers:
        found = rec.analyze(text=text, entities=entities, nlp_artifacts=artifacts)
        if not found:
            continue
        for r in found:  # AnalyzerEngine.__add_recognizer_id_if_not_exists
            meta = r.recognition_metadata
            if not meta:
                meta = r.recognition_metadata = {}
            if _ID not in meta:
                meta[_ID] = rec.id
            if _NAME not in meta:
                meta[_NAME] = rec.name
        results.extend(found)
    if not results:
        return results
    if hooked:
        results = _recognizer_hooks(text, results, artifacts, recognizers, hooked)
    results = enhancer.enhance_using_context(text, results, artifacts, recognizers, None)
    results = [r for r in results if r.score >= score_threshold]
    return EntityRecognizer.remove_duplicates(results)


def _recognizer_hooks(text: str, results: list[RecognizerResult], artifacts: Any,
                      recognizers: list[Any], hooked: frozenset[int]) -> list[RecognizerResult]:
    """AnalyzerEngine._enhance_using_context's loop: each recognizer's hook on its own results."""
    out: list[RecognizerResult] = []
    for rec in recognizers:
        mine = [r for r in results if r.recognition_metadata[_ID] == rec.id]
        if id(rec) in hooked:
            others = [r for r in results if r.recognition_metadata[_ID] != rec.id]
            mine = rec.enhance_using_context(text=text, raw_recognizer_results=mine,
                                             other_raw_recognizer_results=others,
                                             nlp_artifacts=artifacts, context=None)
        out.extend(mine)
    return out
