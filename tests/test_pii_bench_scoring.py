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


def test_heldout_scorer_counts_a_known_example() -> None:
    """Typed vs any-type counts on a hand-made case: 2 texts, 4 gold spans, 5 predictions."""
    from bench.pii_heldout_score import score_detail

    gold = [[(0, 10, "PHONE_NUMBER"), (20, 30, "PERSON"), (40, 50, "STREET_ADDRESS")],
            [(0, 8, "EMAIL_ADDRESS")], []]
    pred = [[(0, 10, "US_SSN"),            # phone found under a wrong type: any-type only
             (20, 30, "PERSON"),           # true positive
             (40, 46, "LOCATION"),         # 60% of the street, compatible class: found
             (60, 65, "PERSON")],          # outside any gold: false positive
            [],                            # e-mail missed
            [(0, 4, "DATE_TIME")]]         # a text without PII flagged
    d = score_detail(gold, pred)
    assert (d["typed"]["n_pred"], d["typed"]["n_gold"]) == (5, 4)
    assert (d["typed"]["precision"], d["typed"]["recall"]) == (0.4, 0.5)      # 2/5, 2/4
    assert (d["any_type"]["precision"], d["any_type"]["recall"]) == (0.6, 0.75)  # 3/5, 3/4
    r = d["recall_by_label"]
    assert (r["PHONE_NUMBER"]["found"], r["PHONE_NUMBER"]["found_any_type"]) == (0, 1)
    assert r["STREET_ADDRESS"]["found"] == 1 and r["EMAIL_ADDRESS"]["found_any_type"] == 0
    p = d["precision_by_class"]
    assert (p["PERSON"]["n"], p["PERSON"]["correct"]) == (2, 1)
    assert (p["US_SSN"]["correct"], p["US_SSN"]["correct_any_type"]) == (0, 1)
    assert p["DATE_OF_BIRTH"]["correct"] == 0  # DATE_TIME maps to the DOB class, no gold there
    assert (d["texts_without_gold"], d["texts_without_gold_flagged"]) == (1, 1)
    assert d["typed"]["f2"] == pytest.approx(f_beta(0.4, 0.5), abs=1e-4)


def test_fp_rates_count_texts_and_characters() -> None:
    from bench.pii_heldout_score import fp_rates

    texts = ["a" * 500, "b" * 300, "c" * 200]
    out = fp_rates(texts, ["log", "code", "log"],
                   [[(0, 3, "PERSON"), (5, 9, "URL")], [], [(1, 2, "PERSON")]])
    assert (out["texts_flagged"], out["detections"], out["per_1k_chars"]) == (2, 3, 3.0)
    assert out["by_source"]["log"] == {"texts": 2, "texts_flagged": 2, "flagged_share": 1.0,
                                       "detections": 3, "per_1k_chars": round(3000 / 700, 3)}
    assert out["by_source"]["code"]["texts_flagged"] == 0
    assert out["by_type"] == {"PERSON": 2, "URL": 1}


def test_bench_rejects_bad_sizes(capsys) -> None:
    from bench.pii_detection import main

    with pytest.raises(SystemExit) as exc:
        main(["--n", "0", "--no-pin"])
    assert exc.value.code == 2
    assert "--n, --heldout-n and --pii-free-n must be at least 1" in capsys.readouterr().err


def test_render_table_shows_every_set() -> None:
    from bench.pii_heldout_score import fp_rates, render_table, score_detail

    d = score_detail([[(0, 4, "PERSON")], []], [[(0, 4, "PERSON")], [(0, 2, "URL")]])
    fp = fp_rates(["x" * 100], ["log"], [[(0, 2, "URL")]])
    one = {"n_texts": 2, "n_without_pii": 1, "assay": d, "presidio_default": d}
    result = {"date": "d", "spacy_model": "m", "sets": {
        "in_distribution": {"n_texts": 2, "n_distractors": 1, "assay": {"detail": d},
                            "presidio_default": {"detail": d}},
        "heldout": {**one, "by_genre": {"chat": {"n_texts": 2, "assay": d,
                                                 "presidio_default": d}}},
        "heldout_stt": one, "heldout_handwritten": one,
        "pii_free": {"n_texts": 1, "n_chars": 100, "assay": fp, "presidio_default": fp}}}
    table = render_table(result)
    assert table.count("| typed P / R / F2 | 0.500 / 1.000 / 0.833 |") == 4
    assert "| chat (2) | 0.500 / 1.000 / 0.833 |" in table
    assert "| PERSON (1) | 1.000 / 1.000 | 1.000 / 1.000 |" in table
    assert "| log (1) | 1 (100.0%) / 10.00 |" in table
    assert "texts without PII flagged | 1/1" in table


def test_quality_run_end_to_end(capsys) -> None:
    """The real engines on small slices of every set: one JSON line, then the tables."""
    import json

    from bench.pii_detection import main

    out = main(["--only", "quality", "--n", "12", "--heldout-n", "40", "--pii-free-n", "20",
                "--no-pin"])
    printed = capsys.readouterr().out.splitlines()
    assert json.loads(printed[0]) == json.loads(json.dumps(out))
    sets = out["sets"]
    assert (sets["in_distribution"]["n_texts"], sets["heldout"]["n_texts"]) == (12, 40)
    assert sets["pii_free"]["n_texts"] == 20 and "speedup" not in out
    assert sets["heldout_invented_names"]["n_texts"] == 40
    for side in ("assay", "presidio_default"):
        held = sets["heldout"][side]
        assert held["typed"]["n_gold"] == sum(r["n"] for r in held["recall_by_label"].values())
        assert held["typed"]["n_pred"] == sum(c["n"] for c in held["precision_by_class"].values())
        assert sets["pii_free"][side]["texts"] == 20
    assert any(line.startswith("held-out, speech-to-text subset") for line in printed)


def test_targets_read_typed_recall_and_precision() -> None:
    from bench.pii_heldout_score import score_detail, targets

    d = score_detail([[(0, 10, "PERSON"), (20, 30, "STREET_ADDRESS")]],
                     [[(0, 10, "PERSON"), (20, 30, "PHONE_NUMBER")]])
    t = targets(d)
    assert t["recall PERSON"] == {"value": 1.0, "target": 0.9, "met": True}
    assert t["recall STREET_ADDRESS"] == {"value": 0.0, "target": 0.8, "met": False}
    assert t["recall US_SSN"]["met"] is False and t["recall US_SSN"]["value"] is None
    assert t["precision overall"] == {"value": 0.5, "target": 0.85, "met": False}
