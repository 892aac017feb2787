"""An NER name is cut at its first lower-case word that is no particle and no listed name, and
loses such words at its start: the English model runs a name into the next words of another
language ("Jomar po ito" is Jomar, "ο Καβάφης" is Καβάφης). Particles ("van", "de", "bin") and
lower-case names stay; a name all in lower case is left as it is.

Every text here is written for this test (none is taken from an evaluation set).
"""

from __future__ import annotations

import pytest

from audit.pii._ner_filter import refine
from audit.types import Span


def _refined(text: str, piece: str) -> str | None:
    start = text.index(piece)
    out = refine(Span(start, start + len(piece), "PERSON", 0.85, "SpacyRecognizer", "NER"),
                 text, {})
    return None if out is None else text[out.start:out.end]


@pytest.mark.parametrize(("text", "piece", "expected"), [
    ("Kumusta po! Si Rowena po ito, pinsan ni Tita Baby.", "Rowena po ito", "Rowena"),
    ("Θέμα της βραδιάς: ο Σεφέρης και η ποίηση.", "ο Σεφέρης", "Σεφέρης"),
    ("Handled by Ludwig van Dijk on Monday.", "Ludwig van Dijk", "Ludwig van Dijk"),
    ("Signed by Ahmad bin Yusof, director.", "Ahmad bin Yusof", "Ahmad bin Yusof"),
    ("the caller was ana maría gutiérrez from valencia", "ana maría gutiérrez",
     "ana maría gutiérrez"),
])
def test_ner_names_cut_at_plain_lower_case_words(text: str, piece: str, expected: str) -> None:
    assert _refined(text, piece) == expected
