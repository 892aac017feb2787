"""The held-out PII set and the PII-free corpus are what `bench/pii_heldout*.py` say they are."""

from __future__ import annotations

import ipaddress
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bench import pii_evalset
from bench.pii_heldout import (HANDWRITTEN, LABELS, generate, invented_names, late,
                               load_handwritten, parse_marked)
from bench.pii_heldout_clean import PROSE, clean_corpus, code_texts, fresh_corpus, log_texts
from bench.pii_heldout_genres import Builder
from bench.pii_heldout_values import NAMES, WORDS, iban_valid, luhn_valid

BENCH = Path(pii_evalset.__file__).parent
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u00a0\u202f\u200e\u200f"), None)


@pytest.fixture(scope="module")
def held():
    return generate()


def _unspeak(value: str) -> str:
    """Digits and letters back from a speech-to-text spelling ("double oh", "g b two nine")."""
    out, words = [], value.lower().split()
    i = 0
    while i < len(words):
        w, times = words[i], 1
        if w == "double" and i + 1 < len(words):
            w, times, i = words[i + 1], 2, i + 1
        if w in WORDS or w == "oh":
            out.append(("0" if w == "oh" else str(WORDS.index(w))) * times)
        elif len(w) == 1 and w.isalpha():
            out.append(w.upper())
        i += 1
    return "".join(out)


def _alnum(value: str) -> str:
    s = value.translate(INVISIBLE)
    return "".join(ch for ch in s if ch.isalnum()) if any(c.isdigit() for c in s) else _unspeak(s)


def test_deterministic_and_sized(held) -> None:
    again = generate()
    assert [(e.text, e.spans) for e in held] == [(e.text, e.spans) for e in again]
    other = generate(seed=7)
    assert [e.text for e in other][:142] == [e.text for e in held][:142]  # hand-written fixed
    assert [e.text for e in other][142:] != [e.text for e in held][142:]
    assert 1400 <= len(held) <= 1600
    small = generate(200)
    assert len(small) == 200 and {e.source for e in small} == {"handwritten", "composed"}
    assert {e.text for e in small} <= {e.text for e in held}  # a subset, not a new draw
    none = sum(e.kind == "none" for e in held)
    assert 0.10 <= none / len(held) <= 0.15
    genres = Counter(e.genre for e in held)
    assert genres["stt"] >= 300 and min(genres.values()) >= 14, genres
    labels = Counter(lab for e in held for *_, lab in e.spans)
    assert set(labels) == LABELS and min(labels.values()) >= 140, labels
    assert sum(e.source == "handwritten" for e in held) >= 140


def test_spans_are_exact_values(held) -> None:
    """Every span slices to a well-formed value of its label: an off-by-one breaks the checks."""
    checked = Counter()
    for e in held + late():
        last_end = 0
        for s, t, lab in e.spans:
            v = e.text[s:t]
            assert s >= last_end and v and v == v.strip(), (e.text, v)
            last_end = t
            assert e.kind == "pii"
            key = _alnum(v)
            if lab == "CREDIT_CARD":
                assert luhn_valid(key) and 14 <= len(key) <= 19, v
            elif lab == "IBAN_CODE":
                assert iban_valid(key), v
            elif lab == "US_SSN":
                assert len(key) == 9 and key[:3] not in ("000", "666") and key[0] != "9", v
            elif lab == "IP_ADDRESS" and key.isalnum() and "dot" not in v:
                ipaddress.ip_address(v.translate(INVISIBLE))
            elif lab == "EMAIL_ADDRESS":
                assert re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", v.translate(INVISIBLE)) or \
                    re.search(r"\w at [a-z0-9 ]+( (dot|period) [a-z]+)+$", v), v
            elif lab == "PHONE_NUMBER":
                assert 7 <= len(key) <= 15, v
            elif lab in ("PERSON", "LOCATION"):
                assert not any(ch.isdigit() for ch in v), v
            checked[lab] += 1
        if not e.spans:
            assert e.kind == "none"
    assert sum(checked.values()) > 3000


def test_cards_and_ibans_cover_their_formats(held) -> None:
    cards = [e.text[s:t] for e in held for s, t, lab in e.spans if lab == "CREDIT_CARD"]
    assert any(re.fullmatch(r"3[47]\d\d \d{6} \d{5}", c) for c in cards)  # Amex 4-6-5
    assert any(re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}", c) for c in cards)
    assert any(re.fullmatch(r"\d{4}\.\d{4}\.\d{4}\.\d{4}", c) for c in cards)
    assert any(re.fullmatch(r"\d{16}", c) for c in cards)
    ibans = [e.text[s:t] for e in held for s, t, lab in e.spans if lab == "IBAN_CODE"]
    assert len({i[:2] for i in ibans}) >= 10 and any(" " in i for i in ibans)
    phones = [e.text[s:t] for e in held for s, t, lab in e.spans if lab == "PHONE_NUMBER"]
    for prefix in ("+44", "+49", "+91", "+81", "+33", "+61", "+55", "00"):
        assert any(p.startswith(prefix) for p in phones), prefix
    assert any("(0)" in p for p in phones)
    texts = [e.text for e in held]
    assert sum("\u200b" in t for t in texts) >= 50 and sum("\u00a0" in t for t in texts) >= 30
    cjk = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
    assert sum(bool(cjk.search(t)) for t in texts) >= 80


def _shingles(text: str, k: int = 6) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", text.lower())
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def test_independent_of_the_in_distribution_set(held) -> None:
    """No 6-word run of any evalset template's fixed text occurs in the held-out texts."""
    theirs: set[tuple[str, ...]] = set()
    for tpl in pii_evalset.PII_TEMPLATES + pii_evalset.DISTRACTOR_TEMPLATES:
        for literal in re.split(r"\{[A-Z_0-9]+\}", tpl):
            theirs |= _shingles(literal)
    assert theirs  # the check can fail: the templates do have 6-word runs
    ours = set().union(*(_shingles(e.text) for e in held + late()))
    assert not theirs & ours, sorted(theirs & ours)[:5]
    for name in ("pii_heldout.py", "pii_heldout_genres.py", "pii_heldout_values.py"):
        imports = re.findall(r"^\s*(?:from|import) ([\w.]+)", (BENCH / name).read_text(), re.M)
        assert imports and not {"faker", "bench.pii_evalset"} & set(imports), (name, imports)


def test_markup_round_trips_and_rejects_errors(tmp_path: Path) -> None:
    text, spans = parse_marked("call [[PERSON|Ana Lima]] on [[PHONE_NUMBER|+55 11 91234-5678]]!")
    assert text == "call Ana Lima on +55 11 91234-5678!"
    assert [text[s:t] for s, t, _ in spans] == ["Ana Lima", "+55 11 91234-5678"]
    with pytest.raises(ValueError, match="unknown label 'NAME'"):
        parse_marked("[[NAME|x]]")
    with pytest.raises(ValueError, match="unbalanced"):
        parse_marked("[[PERSON|x]")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"genre": "chat", "text": "ok"}) + "\n" +
                   json.dumps({"genre": "chat", "text": "[[ZIP|1]]"}) + "\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: unknown label"):
        load_handwritten(bad)
    lines = HANDWRITTEN.read_text(encoding="utf-8").splitlines()
    for e, line in zip(load_handwritten(), lines, strict=True):  # re-marking gives the line back
        marked, last = [], 0
        for s, t, lab in e.spans:
            marked += [e.text[last:s], f"[[{lab}|{e.text[s:t]}]]"]
            last = t
        assert "".join(marked) + e.text[last:] == json.loads(line)["text"]


def test_builder_records_exact_offsets() -> None:
    import random

    b = Builder(random.Random(0), noisy=True)
    b.t("mail ").v("a.b@c.de", "EMAIL_ADDRESS").t(" tel ").v("+49 30 123456", "PHONE_NUMBER")
    text = "".join(b.buf)
    (s1, e1, l1), (s2, e2, l2) = b.spans
    assert text[s1:e1].replace("\u200b", "") == "a.b@c.de" and "\u200b" in text[s1:e1]
    assert _alnum(text[s2:e2]) == "4930123456" and (l1, l2) == ("EMAIL_ADDRESS", "PHONE_NUMBER")


def test_pii_free_corpus() -> None:
    corpus = clean_corpus()
    by = Counter(c.source for c in corpus)
    assert by["log"] == 300 and by["code"] == 200 and by["prose"] == 40
    assert log_texts(50) == log_texts(50) and code_texts(10) == code_texts(10)
    email = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}")
    fresh = fresh_corpus()  # present only with the final measurement
    assert not fresh or Counter(c.source for c in fresh) == {"log": 150, "code": 100, "prose": 15}
    assert not {c.text for c in fresh} & {c.text for c in corpus}
    for c in corpus + fresh:
        assert not email.search(c.text) and "://" not in c.text and "Copyright" not in c.text
    assert len({c.text[:40] for c in corpus if c.source == "code"}) > 150  # spread over modules
    assert "[[" not in PROSE.read_text()


def test_invented_names_are_new_and_in_context(held) -> None:
    inv = invented_names()
    assert len(inv) == 300 and [e.text for e in inv] == [e.text for e in invented_names()]
    known = {w.lower() for firsts, lasts in NAMES.values() for x in firsts + lasts
             for w in x.split()}
    names = [e.text[s:t] for e in inv for s, t, lab in e.spans if lab == "PERSON"]
    assert len(names) >= 300 and all(any(lab == "PERSON" for *_, lab in e.spans) for e in inv)
    invented = [n for n in names if not any(ch.isdigit() for ch in n)]
    assert sum(n.split()[0].lower() in known for n in invented) <= 5  # chance hits only
    assert not {e.text for e in inv} & {e.text for e in held}


def test_sets_are_frozen(held) -> None:
    """The measured texts are pinned: changing the held-out set must be a deliberate, visible
    act (update these digests and re-measure the baseline), never a side effect."""
    import hashlib

    rows = [[e.text, e.spans, e.genre, e.source] for e in held + invented_names()]
    assert hashlib.sha256(json.dumps(rows).encode()).hexdigest() == (
        "50a46afa2c9292d7203ed6968b5dfaf9ee3bee3bae7fc38293ce55ff9a0d3fec")
    clean = json.dumps(log_texts(300)).encode() + PROSE.read_bytes()
    assert hashlib.sha256(clean).hexdigest() == (
        "95c956f6b471ab4ab87bbcb6f31609b9507e17396b3197cc7f19b650d85682fe")
    from bench.pii_heldout import LATE
    from bench.pii_heldout_clean import LATE_PROSE

    assert hashlib.sha256(LATE.read_bytes()).hexdigest() == (
        "34a538bb5c5b8ba776cb5a6fe2f6130e15d478b702a1fd499fcbafe2bc27a1f5")
    assert hashlib.sha256(LATE_PROSE.read_bytes()).hexdigest() == (
        "d9d706eee16c92b87898e11ad35f2d6f1c58d32599ae61bcd0bae19ebb47b364")


def test_independent_of_the_detectors_dev_set(held) -> None:
    """The recognizers' own development cases (`tests/pii_dev_cases.py`) share no structured value
    and no 6-word run of text with the held-out set. Runs of number words ("one two three four
    five six") and the finite sets of names and cities are left out: they collide by chance."""
    path = Path(__file__).parent / "pii_dev_cases.py"
    if not path.is_file():
        pytest.skip("no detector dev set in this checkout")
    import importlib.util

    spec = importlib.util.spec_from_file_location("pii_dev_cases", path)
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    numbers = set(WORDS) | {"oh", "double"}
    dev_texts = [t for t, _ in dev.CASES] + [t if isinstance(t, str) else t[0]
                                             for t in getattr(dev, "CLEAN", [])]
    theirs = {s for t in dev_texts for s in _shingles(t) if not set(s) <= numbers}
    ours = {s for e in held + late() for s in _shingles(e.text)}
    assert not theirs & ours, sorted(theirs & ours)[:5]
    structured = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
                  "IP_ADDRESS", "STREET_ADDRESS"}
    dev_values = {v.lower() for _, vs in dev.CASES for v, lab in vs if lab in structured}
    shared = {e.text[s:t] for e in held + late() for s, t, lab in e.spans
              if lab in structured and e.text[s:t].lower() in dev_values}
    assert not shared, sorted(shared)
