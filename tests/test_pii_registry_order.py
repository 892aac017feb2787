"""The recognizer look-up returns recognizers in registration order.

presidio's `RecognizerRegistry.get_recognizers` returns `list(set(...))`, an order by object id
that changes between processes; two recognizers reporting the same span and score then won the
de-duplication by chance, and one text ("... Grüßen, Kwame Eze Vielen Dank ...") came out as
two different PERSON spans in different runs.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from audit.pii._registry import CachedRecognizerRegistry


def _recognizers(n: int) -> list[PatternRecognizer]:
    return [PatternRecognizer(supported_entity="PERSON" if i % 2 else "ZIP",
                              name=f"r{i:02d}", patterns=[Pattern(f"p{i}", rf"\bx{i}\b", 0.5)])
            for i in range(n)]


def test_lookup_keeps_registration_order_for_every_entity_set():
    registry = CachedRecognizerRegistry(supported_languages=["en"])
    recs = _recognizers(24)
    for r in recs:
        registry.add_recognizer(r)
    both = registry.get_recognizers("en", ["PERSON", "ZIP"], False)
    assert [r.name for r in both] == [r.name for r in recs]
    person = registry.get_recognizers("en", ["PERSON"], False)
    assert [r.name for r in person] == [r.name for r in recs if r.supported_entities == ["PERSON"]]
    # cached: the same order again, and a copy the caller may change
    again = registry.get_recognizers("en", ["PERSON", "ZIP"], False)
    assert [r.name for r in again] == [r.name for r in recs]
    again.clear()
    assert len(registry.get_recognizers("en", ["PERSON", "ZIP"], False)) == 24


def test_engine_answer_does_not_depend_on_recognizer_identity():
    from audit.pii import get_engine

    text = ("Guten Tag, Lieferung bitte an Hauptstr. 13b, 80504 München. Mit freundlichen "
            "Grüßen, Kwame Eze Vielen Dank im Voraus.")
    eng = get_engine().load()
    names = [text[s.start:s.end] for s in eng.analyze_one(text) if s.entity_type == "PERSON"]
    assert names == ["Kwame Eze"]
