"""A tiny deterministic regex detector for monitor/middleware unit tests (the real engine is
used in the `model`/integration tests); its own table test pins what it finds."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from audit.types import Span
from monitors.detector import Detector

__all__ = ["FAKE_PATTERNS", "POISON", "broken_detector", "fake_analyze", "fake_detector",
           "poison_detector"]

FAKE_PATTERNS = {
    "US_SSN": re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)"),
    "EMAIL_ADDRESS": re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])"),
    "CREDIT_CARD": re.compile(r"(?<!\d)(?:\d{4} ){3}\d{4}(?!\d)"),
    "PERSON": re.compile(r"\b(?:John Smith|Alice Johnson|Maria Garcia)\b"),
}


def fake_analyze(texts: Sequence[str]) -> list[list[Span]]:
    """Spans for every fake pattern in each text."""
    out = []
    for t in texts:
        spans = [Span(m.start(), m.end(), etype, 1.0, "fake")
                 for etype, rx in FAKE_PATTERNS.items() for m in rx.finditer(t)]
        out.append(sorted(spans, key=lambda s: (s.start, s.end)))
    return out


def fake_detector() -> Detector:
    """The fake as a Detector (the CLI loads it as tests.test_monitor_fakes:fake_detector)."""
    return Detector(analyze=fake_analyze, name="fake")


POISON = "POISON-PILL"


def poison_detector() -> Detector:
    """The fake, but it raises on any batch holding POISON (a detector bug on one input)."""

    def analyze(texts: Sequence[str]) -> list[list[Span]]:
        if any(POISON in t for t in texts):
            raise ValueError(f"cannot handle {POISON}: this message quotes the input")
        return fake_analyze(texts)

    return Detector(analyze=analyze, name="poison")


def broken_detector() -> Detector:
    """A detector whose model cannot load: every call raises."""

    def analyze(texts: Sequence[str]) -> list[list[Span]]:
        raise OSError("model file missing")

    return Detector(analyze=analyze, name="broken")


@pytest.mark.parametrize(("text", "expected"), [
    ("ssn 123-45-6789.", [("US_SSN", "123-45-6789")]),
    ("no 1123-45-67890 here", []),
    ("mail a.b+c@ex-ample.co.uk now", [("EMAIL_ADDRESS", "a.b+c@ex-ample.co.uk")]),
    ("card 4111 1111 1111 1111!", [("CREDIT_CARD", "4111 1111 1111 1111")]),
    ("Dear John Smith,", [("PERSON", "John Smith")]),
    ("Johnny Smithers", []),
])
def test_fake_detector_table(text: str, expected: list[tuple[str, str]]) -> None:
    got = [(s.entity_type, text[s.start:s.end]) for s in fake_analyze([text])[0]]
    assert got == expected
