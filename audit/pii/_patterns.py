"""Presidio's `PatternRecognizer` pattern loop without its per-pattern bookkeeping.

`PatternRecognizer._PatternRecognizer__analyze_patterns` reads the clock twice and emits a
debug log call per pattern, builds an explanation for every match through a static method and
calls the no-op `validate_result` / `invalidate_result` hooks, then de-duplicates even when it
found nothing; with ~20 patterns per text that bookkeeping cost more than the regex scans. The
loop below does the same steps in the same order with the same objects and the same compiled
`regex` patterns, so results are identical (`tests/test_pii_engine_equivalence.py`). It is
installed per recognizer instance by `install`, which leaves recognizers it does not know (other
classes, a deny list, an overridden `build_regex_explanation`) on presidio's own loop.

Timeouts: presidio passes `timeout=` to every search, which costs about a quarter of the scan
time on short texts. Here a text of at most `UNTIMED_MAX_CHARS` characters is searched without
it, except by presidio's URL patterns (`[a-z0-9.\-]{1,253}[.]` backtracks: 2,000 dots take
~5 s), which always keep it; longer texts always keep it. Every other pattern takes a few
milliseconds at most on adversarial inputs of that length
(`tests/test_pii_pattern_loop.py` checks each one), so a 2,000-character search cannot hang.

Skipped searches: a recognizer may declare `pattern_requires` ({pattern name: text -> bool}), a
condition every text with a match meets; a text failing it skips that pattern. Presidio's own
URL patterns get theirs here (`_URL_REQUIRES`): every URL they match has a dot right after a
character of `[a-z0-9.-]` and right before the top-level domain's first letter, the schema ones
also `://`, the quoted ones a quote. Three texts in four have none of that, and the non-schema
pattern, which backtracks through every word, was a fifth of all pattern time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, PatternRecognizer, \
    RecognizerResult
from presidio_analyzer import pattern_recognizer as _presidio_pr
from presidio_analyzer.predefined_recognizers import UrlRecognizer

__all__ = ["UNTIMED_MAX_CHARS", "install", "untimed"]

UNTIMED_MAX_CHARS = 2_000

_NAME = RecognizerResult.RECOGNIZER_NAME_KEY
_ID = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
_MIN = EntityRecognizer.MIN_SCORE
_MAX = EntityRecognizer.MAX_SCORE
_log = logging.getLogger("presidio-analyzer")


# "x.co", "WWW.X.ORG", "ex.\u212ay" (the Kelvin sign folds to k): flags as presidio compiles them.
_DOT_TLD = regex.compile(r"[a-z0-9.\-][.][a-z]", regex.IGNORECASE | regex.DOTALL | regex.MULTILINE)


def _url_requires() -> dict[str, Callable[[str], bool]]:
    """{regex of a presidio URL pattern: a condition every text it matches in meets}."""
    def dot_tld(text: str) -> bool:
        return _DOT_TLD.search(text) is not None

    def schema(text: str) -> bool:
        return "://" in text and dot_tld(text)

    def quoted(text: str) -> bool:
        return ("'" in text or '"' in text) and dot_tld(text)

    def quoted_schema(text: str) -> bool:
        return ("'" in text or '"' in text) and schema(text)

    need = {"Standard Url": schema, "Non schema URL": dot_tld, "Quoted URL": quoted_schema,
            "Quoted Non-schema URL": quoted}
    return {p.regex: need[p.name] for p in UrlRecognizer.PATTERNS if p.name in need}


_URL_REQUIRES = _url_requires()


def install(recognizer: Any) -> bool:
    """Give `recognizer` the lean pattern loop; False (nothing changed) where it does not apply."""
    cls = type(recognizer)
    if (not isinstance(recognizer, PatternRecognizer) or recognizer.deny_list
            or cls.build_regex_explanation is not PatternRecognizer.build_regex_explanation):
        return False
    recognizer._PatternRecognizer__analyze_patterns = _Loop(recognizer)
    return True


def untimed(recognizer: Any) -> bool:
    """Whether `recognizer`'s patterns search texts up to UNTIMED_MAX_CHARS without a timeout."""
    return not isinstance(recognizer, UrlRecognizer)


class _Loop:
    """Callable stand-in for `__analyze_patterns(text, flags)` of one recognizer."""

    def __init__(self, rec: Any) -> None:
        cls = type(rec)
        self.rec = rec
        self.validate = (rec.validate_result
                         if cls.validate_result is not PatternRecognizer.validate_result else None)
        self.invalidate = (rec.invalidate_result
                           if cls.invalidate_result is not PatternRecognizer.invalidate_result
                           else None)
        self.explanation = f"Detected by `{rec.name}` using pattern `"
        self.untimed = untimed(rec)
        # {pattern name: text -> bool}, a condition every text with a match meets (declared by
        # the recognizer); a text failing it skips that pattern's search.
        self.requires = {p.name: _URL_REQUIRES[p.regex] for p in rec.patterns
                         if p.regex in _URL_REQUIRES}
        self.requires.update(getattr(rec, "pattern_requires", None) or {})

    def __call__(self, text: str, flags: int | None = None) -> list[RecognizerResult]:
        rec = self.rec
        flags = flags if flags else rec.global_regex_flags
        validate, invalidate = self.validate, self.invalidate
        name, entity = rec.name, rec.supported_entities[0]
        timeout = _presidio_pr.REGEX_TIMEOUT_SECONDS
        bare = self.untimed and len(text) <= UNTIMED_MAX_CHARS
        requires = self.requires
        results: list[RecognizerResult] = []
        for pattern in rec.patterns:
            if requires:
                need = requires.get(pattern.name)
                if need is not None and not need(text):
                    continue
            if not pattern.compiled_regex or pattern.compiled_with_flags != flags:
                pattern.compiled_with_flags = flags
                pattern.compiled_regex = regex.compile(pattern.regex, flags=flags)
            try:
                found = (pattern.compiled_regex.finditer(text) if bare
                         else pattern.compiled_regex.finditer(text, timeout=timeout))
                for match in found:
                    start, end = match.span()
                    if start == end:
                        continue
                    score = pattern.score
                    validation = validate(text[start:end]) if validate is not None else None
                    exp = AnalysisExplanation(
                        recognizer=name, original_score=score, pattern_name=pattern.name,
                        pattern=pattern.regex, validation_result=validation, regex_flags=flags,
                        textual_explanation=f"{self.explanation}{pattern.name}`")
                    res = RecognizerResult(entity_type=entity, start=start, end=end, score=score,
                                           analysis_explanation=exp,
                                           recognition_metadata={_NAME: name, _ID: rec.id})
                    if validation is not None:
                        res.score = _MAX if validation else _MIN
                    if invalidate is not None and invalidate(text[start:end]):
                        res.score = _MIN
                    if res.score > _MIN:
                        results.append(res)
                    exp.score = res.score
            except TimeoutError:
                _log.warning("Regex pattern '%s' timed out after %s seconds, skipping.",
                             pattern.name, timeout, exc_info=True)
        if len(results) > 1:
            return EntityRecognizer.remove_duplicates(results)
        return results
