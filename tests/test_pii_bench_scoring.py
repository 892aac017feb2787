"""The bench's span matching rule and eval-set generator do what the docstring says."""

from __future__ import annotations

import pytest

from bench.pii_detection import f_beta, score, to_class
from bench.pii_evalset import generate


@pytest.mark.parametrize(("gold", "pred", "p", "r"), [
    ([(0, 10, "PERSON")], [(0, 10, "PERSON")], 1.0, 1.0),            # exact
    ([(0, 10, "PERSON")], [(0, 5, "PERSON")], 1.0, 1.0),             # half of gold covered
    ([(0, 10, "PERSON")], [(0, 4, "PERSON")], 1.0, 0.0),             # 40% of gold: not found
    ([(0, 10, "PERSON")], [(5, 20, "PERSON")], 0.0, 1.0),            # pred 1/3 inside: wrong
    ([(0, 10, "PERSON")], [(0, 10, "LOCATION")], 0.0, 0.0),          # type-aware
    ([(0, 30, "STREET_ADDRESS")], [(0, 12, "STREET_ADDRESS"), (14, 22, "LOCATION"),
                                   (23, 30, "POSTCODE")], 1.0, 1.0),  # pieces of one address
    ([(0, 10, "DATE_OF_BIRTH")], [(0, 10, "DATE_TIME")], 1.0, 1.0),  # presidio's type mapped
])
def test_matching_rule(gold, pred, p: float, r: float) -> None:
    overall = score([gold], [pred])["overall"]
    assert (overall["precision"], overall["recall"]) == (p, r)


def test_f2_and_absent_classes() -> None:
    assert f_beta(1.0, 0.5) == pytest.approx(5 * 0.5 / (4 + 0.5))
    s = score([[]], [[(0, 3, "NRP")]])
    assert s["NRP"]["precision"] == 0.0 and s["NRP"]["recall"] is None
    assert to_class("POSTCODE") == "LOCATION"


def test_generator_is_deterministic_and_offsets_are_valid() -> None:
    a, b = generate(120, seed=5), generate(120, seed=5)
    assert [e.text for e in a] == [e.text for e in b]
    assert {e.kind for e in a} == {"pii", "distractor"}
    for e in a:
        assert (e.kind == "distractor") == (not e.spans)
        for s, t, label in e.spans:
            assert 0 <= s < t <= len(e.text) and e.text[s:t].strip() == e.text[s:t]
