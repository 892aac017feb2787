"""Skip recognizers whose matches could not pass the score threshold in a given text.

A recognizer whose every match scores below the threshold (a date alone, 0.2; an NHS-shaped
number alone, 0.35) only reports something when the context enhancer lifts the score, and the
enhancer only does that when one of the recognizer's context words is a token near the match. A
context word that is a token of the text is also a substring of the lower-cased text, so a text
without any of them cannot yield a reportable match and the recognizer's regexes are not run on
it. A recognizer that stays below the threshold even with context (presidio's very weak US
passport patterns, 0.05 + 0.35) is never run. Results are the same as running everything.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import PatternRecognizer

__all__ = ["RecognizerGate", "score_ceiling"]


def score_ceiling(recognizer: Any) -> float | None:
    """The highest score `recognizer.analyze` can give a match before context; None if unknown.

    Declared by the recognizer (`SCORE_CEILING`; presidio's `MAX_SCORE` is the scale's top),
    else derived for a plain `PatternRecognizer` (no own `analyze` or `validate_result`, no deny
    list): its highest pattern score.
    """
    declared = getattr(recognizer, "SCORE_CEILING", None)
    if declared is not None:
        return float(declared)
    cls = type(recognizer)
    if (isinstance(recognizer, PatternRecognizer) and recognizer.patterns
            and not recognizer.deny_list
            and cls.analyze is PatternRecognizer.analyze
            and cls.validate_result is PatternRecognizer.validate_result):
        return max(float(p.score) for p in recognizer.patterns)
    return None


class RecognizerGate:
    """Per recognizer: always run, never run, or run only if a context word occurs."""

    def __init__(self, recognizers: list[Any], enhancer: Any, threshold: float,
                 hooked: frozenset[int] = frozenset()) -> None:
        self._never: set[int] = set()
        self._needs: dict[int, re.Pattern[str]] = {}
        for rec in recognizers:
            ceiling = score_ceiling(rec)
            if ceiling is None or ceiling >= threshold or id(rec) in hooked:
                continue
            boosted = min(max(ceiling + enhancer.context_similarity_factor,
                              enhancer.min_score_with_context_similarity), 1.0)
            if boosted < threshold:
                self._never.add(id(rec))
            elif rec.context:
                words = sorted({w.lower() for w in rec.context}, key=len, reverse=True)
                self._needs[id(rec)] = re.compile("|".join(map(re.escape, words)))
            else:
                self._never.add(id(rec))

    def select(self, text: str, recognizers: list[Any]) -> list[Any]:
        """The recognizers worth running on `text`."""
        if not self._never and not self._needs:
            return recognizers
        lower: str | None = None
        out = []
        for rec in recognizers:
            key = id(rec)
            if key in self._never:
                continue
            words = self._needs.get(key)
            if words is not None:
                if lower is None:
                    lower = text.lower()
                if words.search(lower) is None:
                    continue
            out.append(rec)
        return out
