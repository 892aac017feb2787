"""Stream fuzz with the real presidio engine (smaller than the exhaustive fake-detector run):
the planted entities never reach the client, whatever the split points."""

from __future__ import annotations

import random

import pytest

from monitors.detector import presidio_detector
from monitors.redaction import TextStream

ANSWER = ("Sure. The account holder is Maria Garcia, card 4111 1111 1111 1111, SSN 536-22-8726, "
          "email maria.garcia@example.com, phone +1 415 555 0132.")
PLANTED = ["Maria Garcia", "4111 1111 1111 1111", "536-22-8726", "maria.garcia@example.com",
           "+1 415 555 0132"]


@pytest.fixture(scope="module")
def detector():
    return presidio_detector()


def _run(det, chunks: list[str]) -> list[str]:
    st = TextStream(lambda t: det.analyze([t])[0], det.render, holdback=48, context=64,
                    min_emit=8)
    return [st.feed(c) for c in chunks] + [st.flush()]


def _check(sent: list[str]) -> None:
    for i in range(1, len(sent) + 1):
        so_far = "".join(sent[:i])
        for e in PLANTED:
            assert e not in so_far, (e, sent)
            digits = "".join(ch for ch in e if ch.isdigit())
            if len(digits) >= 9:  # no run of the number's digits either
                assert digits not in "".join(ch for ch in so_far if ch.isdigit())


def test_engine_finds_every_planted_entity(detector) -> None:
    found = {ANSWER[s.start:s.end] for s in detector.analyze([ANSWER])[0]}
    assert set(PLANTED) <= found


def test_two_chunk_splits_real_engine(detector) -> None:
    for i in range(0, len(ANSWER) + 1, 4):
        _check(_run(detector, [ANSWER[:i], ANSWER[i:]]))


def test_token_sized_random_chunks_real_engine(detector) -> None:
    rng = random.Random(3)
    for _ in range(6):
        chunks, pos = [], 0
        while pos < len(ANSWER):
            n = rng.randint(1, 6)
            chunks.append(ANSWER[pos:pos + n])
            pos += n
        sent = _run(detector, chunks)
        _check(sent)
        out = "".join(sent)
        for tag in ("<PERSON>", "<CREDIT_CARD>", "<US_SSN>", "<EMAIL_ADDRESS>", "<PHONE_NUMBER>"):
            assert tag in out
