"""The lean pattern loop and context scan give presidio's results; untimed searches stay bounded."""

from __future__ import annotations

import copy
import itertools
import time

import pytest
import regex
from presidio_analyzer import PatternRecognizer
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

from audit.pii import PIIEngine, get_engine
from audit.pii._patterns import UNTIMED_MAX_CHARS, install, untimed
from audit.pii.recognizers import build_recognizers
from bench.pii_evalset import generate

_PRESIDIO_LOOP = PatternRecognizer._PatternRecognizer__analyze_patterns  # the class's own


def _key(r) -> tuple:
    e = r.analysis_explanation
    return (r.start, r.end, r.entity_type, r.score, tuple(sorted(r.recognition_metadata.items())),
            e.recognizer, e.pattern_name, e.pattern, e.original_score, e.score,
            e.validation_result, e.regex_flags, e.textual_explanation,
            e.score_context_improvement, e.supportive_context_word)


def _texts() -> list[str]:
    texts = [e.text for e in generate(200, 31)]
    texts += [t.lower() for t in texts[:60]] + [t.upper() for t in texts[60:100]]
    return texts + ["", "1" * 40, "a@b.co a@b.co", "GB82 WEST 1234 5698 7654 32 GB82WEST12345698765432",
                    "ſtreet 12 Baker ſt, K 4 Mill Road", "::ffff:10.0.0.1 fe80::1 ::", "x" * 3000,
                    "Dr. Anna Weber's address: 221B Baker Street, London NW1 6XE; 0044 20 7946 0958",
                    # URL patterns skip texts without a dot before a letter: cases at the edge
                    "Visit WWW.EXAMPLE.ORG/path, 'https://a.b.io' or \"shop.de\"", "ex.\u212ay",
                    "x.\u017fh and HTTP://LOCAL", "end. Next line.\nfoo.Bar", "'a-.co'", "...org",
                    "no dot here http://", "\"www1.x\" 'q.\u212aZ'"]


@pytest.fixture(scope="module")
def engine() -> PIIEngine:
    return get_engine().load()


def test_every_pattern_recognizer_is_installed(engine: PIIEngine) -> None:
    for rec in engine._analyzer.registry.recognizers:
        if isinstance(rec, PatternRecognizer):
            assert "_PatternRecognizer__analyze_patterns" in vars(rec), rec.name


def test_lean_loop_equals_presidio_loop(engine: PIIEngine) -> None:
    recognizers = [r for r in engine._analyzer.registry.recognizers
                   if isinstance(r, PatternRecognizer)]
    for text in _texts():
        for rec in recognizers:
            got = rec._PatternRecognizer__analyze_patterns(text, None)
            want = _PRESIDIO_LOOP(rec, text, None)
            assert [_key(r) for r in got] == [_key(r) for r in want], (rec.name, text)


def test_url_patterns_skip_texts_without_a_dot_before_a_letter(engine: PIIEngine) -> None:
    url = next(r for r in engine._analyzer.registry.recognizers
               if r.name == "StrictUrlRecognizer")
    loop = url._PatternRecognizer__analyze_patterns
    assert set(loop.requires) == {"Standard Url", "Non schema URL", "Quoted URL",
                                  "Quoted Non-schema URL"}
    assert not any(need("Plain prose. Ends here: 12.5 and 10.0.0.1")
                   for need in loop.requires.values())
    assert all(need("'see https://x.io'") for need in loop.requires.values())
    assert loop("see shop.de", None) and loop("ex.\u212ay", None)  # Kelvin sign folds to k


def test_recognizers_it_does_not_know_are_left_alone() -> None:
    deny = PatternRecognizer(supported_entity="X", deny_list=["foo"])
    assert install(deny) is False and "_PatternRecognizer__analyze_patterns" not in vars(deny)


def test_context_scan_equals_presidio_enhancer(engine: PIIEngine) -> None:
    fast = engine._analyzer.context_aware_enhancer
    cfg = engine.config
    slow = LemmaContextAwareEnhancer(context_prefix_count=cfg.context_prefix_words,
                                     context_suffix_count=cfg.context_suffix_words,
                                     context_matching_mode="whole_word")
    recognizers = engine._analyzer.registry.recognizers
    texts = _texts()
    boosted = 0
    for text, art in zip(texts, engine._nlp.pipe(texts), strict=True):
        raw = [r for rec in recognizers for r in rec.analyze(text, list(cfg.entities), art)]
        want = slow.enhance_using_context(text, copy.deepcopy(raw), art, recognizers)
        got = fast.enhance_using_context(text, raw, art, recognizers)
        assert [_key(r) for r in got] == [_key(r) for r in want], text
        boosted += sum(bool(r.analysis_explanation.supportive_context_word) for r in got)
    assert boosted > 50  # the comparison covered context hits, not only misses


# Repeated fragments that make backtracking patterns work hardest: runs of digits, letters,
# separators, cue words, address and URL pieces.
_UNITS = ["1", "a", "A", "Aa ", "1 ", "1-", "1.", "a.", "A.", "::", "1:", "a1:", "+1 ", "(1) ",
          "1/", "a@", "a.a@", "Dear ", "Mr ", "Aa Aa ", "aa aa ", "1 Aa ", "1 aa ", "www.",
          "a.com", "GB1", "AA11", "ff:", "1.1.", "Aa'", "'s ", "bc1", "1a", "A1 ", "Aa, ", "ext1"]
_UNITS += ["".join(p) for p in itertools.product("1aA .-:", repeat=2)]
# Pieces of the international address, postcode and name patterns (issue 13): unit-first
# addresses with comma-separated parts, street-type prefixes and endings, postal tails, CJK
# blocks, Hangul roads, spoken cue words.
_UNITS += ["flat 1, a", "1, ", ", Aa", "rue a ", "calle Aa ", "1-1 ", "Aa-ku, ", "电1", "区",
           "市1-", "Aastrasse 1 ", "Aa Nagar ", "로 1", "〒1-", "NSW 1 ", "A1A ", "1 AA ",
           "my name is ", "thanks, ", "Aa-Aa ", "我叫", "さん", "plus ", "nine ", "a dot ",
           " at a"]


def test_untimed_patterns_are_fast_on_adversarial_input_at_the_bound() -> None:
    """A search without a timeout must not hang: each untimed pattern, on each adversarial text
    of UNTIMED_MAX_CHARS characters, finishes far below presidio's 60 s timeout (a few ms
    measured, 0.13 s for the slowest; 0.25 s allowed). CPU time, not wall time: on a loaded
    machine the wall clock also counts time the test spent descheduled (it failed that way)."""
    checked = 0
    for rec in build_recognizers():
        if not isinstance(rec, PatternRecognizer) or not untimed(rec):
            continue
        for pattern in rec.patterns:
            compiled = regex.compile(pattern.regex, rec.global_regex_flags)
            for unit in _UNITS:
                text = (unit * (UNTIMED_MAX_CHARS // len(unit) + 1))[:UNTIMED_MAX_CHARS]
                t0 = time.process_time()
                for _ in compiled.finditer(text):
                    pass
                assert time.process_time() - t0 < 0.25, (rec.name, pattern.name, unit)
            checked += 1
    assert checked >= 30


class _Recording:
    def __init__(self, compiled) -> None:
        self.compiled, self.calls = compiled, []

    def finditer(self, text, **kwargs):
        self.calls.append(kwargs)
        return self.compiled.finditer(text, **kwargs)


def test_timeout_kept_for_url_patterns_and_long_texts() -> None:
    recs = {r.name: r for r in build_recognizers()}
    url, ssn = recs["StrictUrlRecognizer"], recs["UsSsnRecognizer"]
    assert not untimed(url) and untimed(ssn)
    for rec in (url, ssn):
        install(rec)
        rec.analyze("warm up 123-45-6789", ["US_SSN", "URL"])  # compiles the patterns
        pattern = rec.patterns[0]  # (Pattern objects can be shared between instances)
        compiled = pattern.compiled_regex
        pattern.compiled_regex = spy = _Recording(compiled)
        try:
            # (a URL pattern skips a text without "://" and a dot before a letter)
            rec.analyze("short 123-45-6789 https://www.example.com", ["US_SSN", "URL"])
            rec.analyze("long " + "x " * UNTIMED_MAX_CHARS + "http://a.io", ["US_SSN", "URL"])
        finally:
            pattern.compiled_regex = compiled
        short, long_ = spy.calls
        assert "timeout" in long_
        assert ("timeout" in short) is (rec is url)
