"""Pseudonymisation vault: consistent tokens, tolerant restore, TTL expiry, thread safety."""

from __future__ import annotations

import threading

import pytest

from audit.errors import UsageError
from audit.pii import PseudonymVault, SessionVaults
from audit.types import Span


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


TEXT = "Anna Weber wrote to anna@example.com; Anna Weber again."
_E = TEXT.index("anna@")
_P2 = TEXT.rindex("Anna Weber")
SPANS = [Span(0, 10, "PERSON", 0.9), Span(_E, _E + 16, "EMAIL_ADDRESS", 1.0),
         Span(_P2, _P2 + 10, "PERSON", 0.9)]


def test_same_value_same_token_and_round_trip() -> None:
    v = PseudonymVault()
    out = v.pseudonymise(TEXT, SPANS)
    assert out == "<PERSON_1> wrote to <EMAIL_ADDRESS_1>; <PERSON_1> again."
    assert "Anna" not in out and "example" not in out
    assert v.restore(out) == TEXT
    # A new value of the same type gets the next number; the old one keeps its token.
    assert v.token_for("Li Wei", "PERSON") == "<PERSON_2>"
    assert v.token_for("Anna Weber", "PERSON") == "<PERSON_1>"


@pytest.mark.parametrize("variant", [
    "<person_1>", "<Person_1>", "< PERSON_1 >", "<PERSON _1>", "<PER SON_1>", "<PERSON_\n1>",
    "<EMAIL_ ADDRESS_1>".replace("EMAIL_ ADDRESS_1", "PERSON_1"),
])
def test_restore_tolerates_recasing_and_split_tokens(variant: str) -> None:
    v = PseudonymVault()
    v.pseudonymise(TEXT, SPANS)
    assert v.restore(f"Dear {variant}, thanks.") == "Dear Anna Weber, thanks."


def test_restore_leaves_unknown_and_lookalike_tokens() -> None:
    v = PseudonymVault()
    v.pseudonymise(TEXT, SPANS)
    text = "<PERSON_9> and <b>bold</b> and <EMAIL_ADDRESS_1>"
    assert v.restore(text) == "<PERSON_9> and <b>bold</b> and anna@example.com"


def test_ttl_expiry_forgets_values_and_never_reuses_numbers() -> None:
    clock = Clock()
    v = PseudonymVault(ttl_seconds=60, clock=clock)
    tok = v.token_for("Anna Weber", "PERSON")
    clock.now += 59
    assert v.restore(tok) == "Anna Weber"  # use refreshes the entry
    clock.now += 59
    assert v.restore(tok) == "Anna Weber"
    clock.now += 61
    assert v.restore(tok) == tok  # expired: the raw value is gone
    assert len(v) == 0
    assert v.token_for("Anna Weber", "PERSON") == "<PERSON_2>"  # a stale token cannot resolve


def test_session_vaults_are_isolated_and_expire() -> None:
    clock = Clock()
    sv = SessionVaults(ttl_seconds=10, clock=clock)
    a, b = sv.get("a"), sv.get("b")
    tok = a.token_for("Anna Weber", "PERSON")
    assert b.restore(tok) == tok
    assert sv.get("a") is a
    clock.now += 11
    assert sv.get("a") is not a


def test_concurrent_pseudonymise_is_consistent() -> None:
    v = PseudonymVault()
    names = [f"Person {i}" for i in range(50)]
    results: dict[int, list[str]] = {}
    barrier = threading.Barrier(8)

    def work(k: int) -> None:
        barrier.wait()
        results[k] = [v.token_for(n, "PERSON") for n in (names if k % 2 else names[::-1])]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_name = {}
    for k, toks in results.items():
        for n, tok in zip(names if k % 2 else names[::-1], toks, strict=True):
            assert by_name.setdefault(n, tok) == tok  # every thread saw the same token
    assert len(set(by_name.values())) == 50  # and no two names share one
    assert all(v.restore(tok) == n for n, tok in by_name.items())


def test_overlapping_spans_and_bad_ttl() -> None:
    v = PseudonymVault()
    out = v.pseudonymise("Anna Weber", [Span(0, 10, "PERSON", 0.9), Span(5, 10, "PERSON", 0.5)])
    assert out == "<PERSON_1>"
    with pytest.raises(UsageError):
        PseudonymVault(ttl_seconds=0)


def test_vault_with_real_engine() -> None:
    from audit.pii import get_engine

    text = "Call Anna Weber on 212-555-0199 or mail anna.weber@example.com"
    v = PseudonymVault()
    out = v.pseudonymise(text, get_engine().analyze_one(text))
    assert out == "Call <PERSON_1> on <PHONE_NUMBER_1> or mail <EMAIL_ADDRESS_1>"
    assert v.restore(out.lower()) == text.replace("Call", "call")
