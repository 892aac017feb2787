"""Places from a gazetteer of cities, regions and countries, in any case after a place cue.

spaCy's NER needs capital letters and knows few non-English towns; speech-to-text writes
"i moved to mumbai last year". This recognizer looks each run of one to three words up in
`places.txt`: a capitalised known place scores 0.6; a known place in any case right after a
place cue ("in", "to", "from", "near", "moved to", "born in" ...) 0.75. Places that are also
given names or everyday words ("Victoria", "Nice", "Reading") need the cue and capitals.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

__all__ = ["PlaceGazetteerRecognizer", "places"]

_WORD = regex.compile(r"\p{L}[\p{L}\p{M}'’.\-]*")
_CUE = regex.compile(r"\b(?:in|to|from|near|at|visiting|visit|hometown|city|town|outside|"
                     r"around|via|towards|toward|into)[ \t]+$", regex.IGNORECASE)
# Places that are also names or common words: they count only with a cue and a capital.
_AMBIGUOUS = frozenset("""
nice reading bath mobile split victoria georgia jordan hamilton charlotte salvador santiago
medina phoenix darwin lincoln austin kingston florence valencia hue bali washington cali
newcastle cork essen bonn linz bern nara goa turkey china chad jersey paris sydney
orlando dallas denver houston lima sofia victoria alexandria adelaide regina odessa
george town madison aurora hobart perth wellington
""".split())


@lru_cache(maxsize=1)
def places() -> dict[tuple[str, ...], str]:
    """{casefolded word tuple: place} from `places.txt`."""
    text = resources.files("audit.pii.recognizers").joinpath("places.txt").read_text("utf-8")
    out: dict[tuple[str, ...], str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out[tuple(w.casefold() for w in _WORD.findall(line))] = line
    return out


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    return frozenset(key[0] for key in places())


class PlaceGazetteerRecognizer(EntityRecognizer):
    """LOCATION from a place list: capitalised anywhere, or in any case after a place cue."""

    ENTITIES = ["LOCATION"]
    SCORE_CAPITALISED = 0.6
    SCORE_AFTER_CUE = 0.75

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(supported_entities=self.ENTITIES, name="PlaceGazetteerRecognizer",
                         supported_language="en", context=[], **kwargs)

    def load(self) -> None:
        places()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if "LOCATION" not in entities:
            return []
        from audit.pii.recognizers._gazetteer import all_names

        table, firsts = places(), _first_words()
        names = all_names()
        words = [(m.start(), m.start() + len(m.group().rstrip(".")), m.group().rstrip("."))
                 for m in _WORD.finditer(text)]
        folded = [w[2].casefold() for w in words]
        out = []
        i, n = 0, len(words)
        while i < n:
            hit = 0
            if folded[i] not in firsts:
                i += 1
                continue
            for size in (3, 2, 1):
                if i + size > n:
                    continue
                if size > 1 and any(words[k + 1][0] - words[k][1] > 2 for k in range(i, i + size - 1)):
                    continue
                key = tuple(folded[i:i + size])
                if key in table:
                    hit = size
                    break
            if not hit:
                i += 1
                continue
            start, end = words[i][0], words[i + hit - 1][1]
            value = words[i:i + hit]
            capital = all(w[2][0].isupper() for w in value if len(w[2]) > 3)
            ambiguous = hit == 1 and (value[0][2].casefold() in _AMBIGUOUS
                                      or value[0][2].casefold() in names)
            cue = _CUE.search(text, max(0, start - 20), start) is not None
            score = 0.0
            if cue and (capital or not ambiguous):
                score = self.SCORE_AFTER_CUE
            elif capital and not ambiguous:
                score = self.SCORE_CAPITALISED
            if score:
                out.append(self._result(start, end, score, "place after cue" if cue
                                        else "known place"))
            i += hit
        return out

    def _result(self, start: int, end: int, score: float, why: str) -> RecognizerResult:
        exp = AnalysisExplanation(recognizer=self.name, original_score=score, pattern_name=why,
                                  textual_explanation=f"{self.name}: {why}")
        return RecognizerResult("LOCATION", start, end, score, analysis_explanation=exp,
                                recognition_metadata={
                                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
