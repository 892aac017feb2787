"""Shared pieces of the sealed PII sets' tests: stand-in engines for the runner (no detector
runs), the checks every card, IBAN and SSN value gets, and the refusal checks every sealed file
gets (a broken card, a broken IBAN, an overlap)."""

from __future__ import annotations

import json
import re
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.pii_sealed import iban_ok, luhn_ok, spoken_chars, ssn_ok

# processor test cards and the IBANs printed in Wikipedia and the registries' examples: a set
# written from memory must not quietly fall back on them (nor on their account parts)
FAMOUS_CARDS = {"4111111111111111", "4242424242424242", "5555555555554444", "378282246310005",
                "371449635398431", "6011111111111117", "6011000990139424", "3530111333300000",
                "5105105105105100", "4012888888881881", "5500005555555559", "4263982640269299",
                "4000123456789010", "4916338502617210", "3566002020360505", "4917610000000000",
                "4000056655665556", "5200828282828210", "2223003122003222", "6200000000000005",
                "4532015112830366", "4539578763621486", "5425233430109903", "4035501000000008"}
FAMOUS_IBANS = {"GB29NWBK60161331926819", "DE89370400440532013000", "ES9121000418450200051332",
                "IT60X0542811101000000123456", "NL91ABNA0417164300", "SA0380000000608010167519",
                "AE070331234567890123456", "PL61109010140000071219812874", "BE68539007547034",
                "SE4550000000058398257466", "IL620108000000099999999", "NO9386011117947",
                "CH9300762011623852957", "IE29AIBK93115212345678", "PT50000201231234567890154",
                "TR330006100519786457841326", "LT121000011101001000", "FR1420041010050500013M02606",
                "DE75512108001245126199", "CH5604835012345678009", "FI2112345600000785",
                "GR1601101250000000012300695", "AT611904300234573201", "CZ6508000000192000145399",
                "SK3112000000198742637541", "IS140159260076545510730339", "DK5000400440116243"}
SSN_EXAMPLES = {"123456789", "078051120", "219099999"}  # the Woolworth wallet card and friends
NUMBERS = ("CREDIT_CARD", "IBAN_CODE", "US_SSN")


def check_number(label: str, value: str) -> None:
    """A card, IBAN or SSN value (spoken digits allowed): its checksum or issuing rules hold and
    it is none of the famous examples (nor an IBAN with a famous example's account part)."""
    chars = spoken_chars(value)
    if label == "CREDIT_CARD":
        assert luhn_ok(chars), value
        assert chars not in FAMOUS_CARDS, value
    elif label == "IBAN_CODE":
        assert iban_ok(chars), value
        assert chars[4:] not in {f[4:] for f in FAMOUS_IBANS}, value
        assert "02" <= chars[2:4] <= "98", value
    elif label == "US_SSN":
        assert ssn_ok(chars), value
        assert chars not in SSN_EXAMPLES, value
    else:
        raise ValueError(f"not a number label: {label}")


def fake_engines(monkeypatch: Any, recs: list[dict]) -> None:
    """Make `bench.pii_detection` score with two stand-ins: "assay" returns the gold spans, and
    "presidio" marks the first character of every PII-free text as a PERSON and finds nothing
    else."""
    import bench.pii_detection as pd

    gold = {r["text"]: r["spans"] for r in recs}
    monkeypatch.setattr(pd, "_detector_version", lambda: "fake")
    monkeypatch.setattr(pd, "_predictors", lambda: (
        types.SimpleNamespace(spacy_model="fake"),
        lambda texts: [list(gold[t]) for t in texts],
        lambda texts: [[] if gold[t] else [(0, 1, "PERSON")] for t in texts]))


def runner_wiring(monkeypatch: Any, capsys: Any, recs: list[dict], main: Callable[[list[str]], Any],
                  key: str, title: str, n_gold: dict[str, int], genre: tuple[str, int],
                  free_row: str) -> None:
    """The runner end to end with stand-in engines (no detector runs): one that returns the gold
    spans, one that marks the first character of every PII-free text and finds nothing else.
    `n_gold`: gold values per typed class; `genre`: a genre and its PII-free count, all of them
    flagged by the second engine; `free_row`: the start of the printed "all" row."""
    fake_engines(monkeypatch, recs)
    out = main([])[key]
    perfect, flagger = out["per_class"]["assay"], out["per_class"]["presidio_default"]
    n_free = sum(not r["spans"] for r in recs)
    assert {c: v["n_gold"] for c, v in perfect.items()} == n_gold
    assert all(v["recall"] == v["precision"] == v["f2"] == 1.0 for v in perfect.values())
    assert flagger["PERSON"]["found"] == 0 and flagger["PERSON"]["n_pred"] == n_free
    assert out["pii_free"]["assay"]["flagged"] == 0
    name, n = genre
    assert out["pii_free"]["presidio_default"]["by_genre"][name] == {"flagged": n, "n": n}
    printed = capsys.readouterr().out
    assert f"{title}: per class" in printed
    assert free_row in printed


def _rewrite(path: Path, tmp: Path, name: str, label: str, change: Callable[[dict, int, int], None]
             ) -> tuple[Path, int]:
    """A copy of the sealed file at `tmp/name` with `change(rec, start, end)` applied to the first
    line holding `label`, and that line's index."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(k for k, ln in enumerate(lines) if f'"{label}"' in ln)
    rec = json.loads(lines[i])
    s, e, _ = next(sp for sp in rec["spans"] if sp[2] == label)
    change(rec, s, e)
    lines[i] = json.dumps(rec, ensure_ascii=False)
    bad = tmp / name
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad, i


def refuses_a_broken_card(path: Path, tmp: Path, main: Callable[[list[str]], Any]) -> None:
    """One card digit changed: `load` names the line, and the runner exits 2 before any engine."""
    from bench.pii_sealed import load

    def bump(rec: dict, s: int, e: int) -> None:
        digit = next(j for j in range(e - 1, s - 1, -1) if rec["text"][j].isdigit())
        bumped = str((int(rec["text"][digit]) + 1) % 10)
        rec["text"] = rec["text"][:digit] + bumped + rec["text"][digit + 1:]

    bad, i = _rewrite(path, tmp, "bad.jsonl", "CREDIT_CARD", bump)
    with pytest.raises(ValueError, match=rf"bad.jsonl:{i + 1}: card .* fails Luhn"):
        load(bad)
    # the runner refuses it before any engine is built (exit 2, one line)
    with pytest.raises(SystemExit) as exc:
        main(["--path", str(bad)])
    assert exc.value.code == 2


def refuses_a_broken_iban(path: Path, tmp: Path) -> None:
    """Two adjacent differing IBAN digits swapped (mod-97 catches every such transposition)."""
    from bench.pii_sealed import load

    def swap(rec: dict, s: int, e: int) -> None:
        t, j = rec["text"], e - 1
        while not (t[j].isdigit() and t[j - 1].isdigit() and t[j] != t[j - 1]):
            j -= 1
        rec["text"] = t[:j - 1] + t[j] + t[j - 1] + t[j + 1:]

    bad, i = _rewrite(path, tmp, "iban.jsonl", "IBAN_CODE", swap)
    with pytest.raises(ValueError, match=rf"iban.jsonl:{i + 1}: IBAN .* fails mod-97"):
        load(bad)


def refuses_an_overlap(path: Path, tmp: Path) -> None:
    """The first record with a second span overlapping its first."""
    from bench.pii_sealed import load

    rec = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    s, e, t = rec["spans"][0]
    rec["spans"].append([s + 1, e, t])
    bad = tmp / "overlap.jsonl"
    bad.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="overlap.jsonl:1: span .* overlapping"):
        load(bad)


def check_lines(path: Path, recs: list[dict], n: int, prefix: str) -> None:
    """`path` holds `n` lines, each one record with its own id and text, ids
    `<prefix>-<genre>-NNN`, span offsets inside the text and not overlapping (load checks them
    too; this pins it for the set)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(recs) == len(lines) == n
    assert len({r["id"] for r in recs}) == len({r["text"] for r in recs}) == n
    for r in recs:
        assert re.fullmatch(rf"{prefix}-{r['genre']}-\d{{3}}", r["id"]), r["id"]
        ends = sorted(r["spans"])
        assert all(0 <= s < e <= len(r["text"]) for s, e, _ in ends)
        assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))


def check_genres(recs: list[dict], genres: dict[str, tuple[int, int]], n_free: int,
                 n_multiline: int) -> None:
    """Texts and PII-free texts per genre as `genres` says, PII-free texts in every genre (the
    false-positive rate is per genre), `n_free` PII-free and `n_multiline` multi-line texts."""
    count = Counter(r["genre"] for r in recs)
    free = Counter(r["genre"] for r in recs if not r["spans"])
    assert {g: (count[g], free[g]) for g in count} == genres
    assert sum(free.values()) == n_free
    assert set(free) == set(count)
    assert sum("\n" in r["text"] for r in recs) == n_multiline


# The checks every sealed set's format test shares: a class deriving from `SealedFileChecks` with
# `path`, `sha256` and `main` set adds the byte pin and the refusal tests. (The `recs` and
# `spans` fixtures of those modules live in tests/conftest.py.)

class SealedFileChecks:
    """The sealed file's bytes are pinned, and a broken card, a broken IBAN (`ibans`) and an
    overlapping span are each refused."""

    path: Path
    sha256: str
    main: Callable[[list[str]], Any]
    ibans = True

    def test_bytes_are_the_sealed_ones(self) -> None:
        import hashlib

        assert hashlib.sha256(self.path.read_bytes()).hexdigest() == self.sha256

    def test_a_broken_card_is_refused_with_its_line(self, tmp_path: Path) -> None:
        refuses_a_broken_card(self.path, tmp_path, type(self).main)

    def test_a_broken_iban_is_refused_with_its_line(self, tmp_path: Path) -> None:
        if not self.ibans:
            pytest.skip("this set holds no IBAN")
        refuses_a_broken_iban(self.path, tmp_path)

    def test_an_overlapping_span_is_refused(self, tmp_path: Path) -> None:
        refuses_an_overlap(self.path, tmp_path)
