"""`shape` evidence: placeholders, a window of tokens, common words kept, everything else shaped."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import UsageError
from audit.pii.evidence import SAFE_WORDS, check_mode, shape_evidence, shape_token
from audit.types import Span


@pytest.mark.parametrize("token, shape", [
    ("Quentin", "Xxxxx"), ("Al", "Xx"), ("QX-448213-T", "XX-dddddd-X"),
    ("+44", "+dd"), ("quentin@harbour.net", "xxxx@xxxx.xxx"),
    ("https://x.io/a?b=1", "xxxx://x.xx/x?x=d"),
    ("Zoë", "Xxx"), ("北京市", "xxx"), ("🙂", "~"), ("sk9QvT27xLm4Rb", "xxdXxXddxXxdXx"),
    ("a" * 80, "xxxx"), ("9" * 40, "d" * 31 + "…"),
])
def test_shape_token(token: str, shape: str) -> None:
    assert shape_token(token) == shape


def span(text: str, value: str, etype: str) -> Span:
    a = text.index(value)
    return Span(a, a + len(value), etype, 1.0)


@pytest.mark.parametrize("text, detected, expected", [
    # detected spans become placeholders; common lower-case words stay; the rest is shaped;
    # 8 tokens each side (the first "my" is the 9th)
    ("my name is Quentin Marlowe and my email is qm@x.net",
     [("qm@x.net", "EMAIL_ADDRESS")], "… name is Xxxxx Xxxxx and my email is <EMAIL_ADDRESS>"),
    ("Your SSN 536-22-8726 is on file.", [("536-22-8726", "US_SSN")],
     "Your XXX <US_SSN> is on file."),
    # lower-case names and spoken digits are not common words
    ("this is anita patel, nine four three", [("nine four three", "PHONE_NUMBER")],
     "this is xxxx xxxx, <PHONE_NUMBER>"),
    # capitalised function words stay, capitalised names do not (even when also common words)
    ("The card. Will Mark call? May I?", [("card", "X")], "The <X>. Xxxx Xxxx call? Xxx I?"),
    # no spans: the first 16 tokens, then …
    (" ".join(["the"] * 20), [], " ".join(["the"] * 16) + " …"),
])
def test_shape_evidence_table(text: str, detected: list, expected: str) -> None:
    assert shape_evidence(text, [span(text, v, t) for v, t in detected]) == expected


def test_window_keeps_8_tokens_each_side_and_marks_gaps() -> None:
    words = [f"w{i}" for i in range(40)]
    text = " ".join(words)
    out = shape_evidence(text, [span(text, "w20", "PERSON")])
    assert out == "… " + " ".join(["xdd"] * 8) + " <PERSON> " + " ".join(["xdd"] * 8) + " …"
    assert len(shape_evidence(text * 50, [span(text, "w20", "X")], max_chars=30)) == 30


def test_no_invented_value_survives() -> None:
    """200 random values from made-up syllables, ids and handles: none of them is in the output."""
    rng = random.Random(3)
    syl = ["zor", "vath", "quel", "ost", "rak", "fen", "bex", "tav", "yun", "skel", "wob"]
    values = []
    for i in range(200):
        w = "".join(rng.choice(syl) for _ in range(3))
        values.append([w, w.title(), f"{w}_{i}", f"{w.upper()}-{rng.randrange(10**6)}",
                       f"{w}@{w}.org"][i % 5])
    text = " ".join(f"please ask {v} about the card" for v in values)
    out = shape_evidence(text, [Span(0, 6, "X", 1.0)], window=10**6, max_chars=10**6)
    assert [v for v in values if v in out or v.lower() in out.lower()] == []
    kept = {w for w in re.findall(r"[a-z]{2,}", out) if set(w) - {"x", "d"}}
    assert kept == {"please", "ask", "about", "the", "card"} and kept <= SAFE_WORDS


def test_modes() -> None:
    assert check_mode("shape") == "shape" and check_mode("redacted") == "redacted"
    with pytest.raises(UsageError, match="shape, redacted"):
        check_mode("raw")


def test_bad_mode_is_one_line_exit_2(capsys, tmp_path) -> None:
    from audit.cli import main

    log = tmp_path / "gw.jsonl"
    log.write_text('{"id": "a", "response": "hi"}\n')
    for cmd in (["monitor", str(log)], ["audit", "--suite", "pii_emission"]):
        with pytest.raises(SystemExit) as exc:
            main([*cmd, "--evidence", "raw", "--store", f"sqlite:///{tmp_path / 'a.db'}"])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and len(err.strip().splitlines()) == 1
        assert "evidence mode 'raw' is not known" in err
    assert not (tmp_path / "a.db").exists()  # refused before the store was opened


def test_redacted_is_recorded_and_keeps_what_was_missed(tmp_path, monkeypatch, store) -> None:
    from audit.model import FakeModel
    from audit.runner import AuditConfig, run_audit

    monkeypatch.setenv("ASSAY_SECRET_FILE", str(tmp_path / "k" / "secret.key"))
    prompts = tmp_path / "p.txt"
    prompts.write_text("Who is the member?\n")
    reply = "The codeword tavrillzeb came from zorvath@example.org."  # no recognizer knows it
    for mode, kept in (("shape", False), ("redacted", True)):
        res = run_audit(AuditConfig(suites=("pii_emission",), data={"pii_emission": prompts},
                                    evidence=mode), FakeModel(responses=lambda p: reply), store)
        assert res.run.config["evidence"] == mode
        (f,) = store.findings(run_id=res.run.run_id)
        assert "<EMAIL_ADDRESS>" in f.evidence and ("tavrillzeb" in f.evidence) is kept


_WORDY = st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzAEIOUQZ0123456789"
                                               "@.-_'/:äé北🙂")), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_WORDY, st.sampled_from(sorted(SAFE_WORDS)[:50])), max_size=60),
       st.data())
def test_property_only_safe_words_and_shapes_survive(tokens: list[str], data) -> None:
    """Whatever the text: every letter run in the output is a placeholder, a shape (x/X only)
    or a common word, and no run of two or more digits survives as digits."""
    text = " ".join(tokens)
    n = len(text)
    a = data.draw(st.integers(0, n))
    spans = [Span(a, data.draw(st.integers(a, n)), "PERSON", 1.0)] if n else []
    out = shape_evidence(text, spans, max_chars=10**6)
    body = out.replace("<PERSON>", " ")
    assert not re.search(r"\d", body)
    for run in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*", body):
        assert set(run) <= {"x", "X", "d", "'"} or run.lower() in SAFE_WORDS, (run, out)
