"""Normalisation before detection: offsets map back to the original text exactly."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.pii import get_engine
from audit.pii._normalize import _DROP_CHARS, normalize

ZW = "\u200b"

# Characters that exercise every branch: ASCII, full-width, ligatures, combining marks, zero-width
# and bidi controls, CJK next to ASCII, emoji with variation selectors, spoken digits and e-mails.
_ALPHABET = st.sampled_from(list("ab1@. +-") + ["\uff11", "\uff20", "\ufb01", "e\u0301", "\u0301",
                                                 ZW, "\u200d", "\u202e", "\u2066", "\ufeff",
                                                 "\u00ad", "电", "話", "김", "✉\ufe0f", "😀",
                                                 " nine", " four", " oh", " dot ", " at ",
                                                 " com", " street", " forty", " two"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_every_normalised_character_maps_to_an_ordered_slice_of_the_original(text: str) -> None:
    n = normalize(text)
    if not n.changed:
        assert n.text == text
        return
    assert len(n.starts) == len(n.text) == len(n.ends)
    for i in range(len(n.text)):
        assert 0 <= n.starts[i] <= n.ends[i] <= len(text)
        if i:
            assert n.starts[i - 1] <= n.starts[i] and n.ends[i - 1] <= n.ends[i]
    # Every span maps to a slice whose own normalisation contains the span's text (less the
    # spaces put between scripts).
    for start in range(len(n.text)):
        for end in range(start + 1, min(len(n.text), start + 6) + 1):
            s, e = n.to_original(start, end)
            assert s <= e
            piece = n.text[start:end].strip()
            if piece and not any(w in piece for w in "0123456789@."):
                visible = "".join(c for c in text[s:e] if c not in _DROP_CHARS and c != " ")
                nfd = unicodedata.normalize("NFD", piece.replace(" ", ""))
                assert nfd in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", visible))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["anna.weber@example.com", "4111 1111 1111 1111", "+44 20 7946 0958",
                        "192.168.10.24"]),
       st.lists(st.sampled_from([ZW, "\u200d", "\u2060", "\ufeff", "\u200e"]), max_size=6),
       st.randoms(use_true_random=False),
       st.sampled_from(["mail ", "请联系", "📧 ", "card ", "tel "]))
def test_redacting_the_original_removes_the_value(value: str, marks: list[str], rnd,
                                                  prefix: str) -> None:
    chars = list(value)
    for m in marks:  # invisible characters inside the value
        chars.insert(rnd.randrange(1, len(chars)), m)
    planted = "".join(chars)
    text = prefix + planted + " 谢谢"
    spans = get_engine().analyze_one(text)
    redacted = get_engine().redact_spans(text, spans)
    assert value not in redacted.replace(ZW, "")
    visible = "".join(c for c in planted if c.isalnum())
    assert visible not in "".join(c for c in redacted if c.isalnum())


@pytest.mark.parametrize(("text", "normalised"), [
    ("my number is nine four three five five five zero one nine nine",
     "my number is 9435550199"),
    ("rohan dot krishnan at gmail dot com", "rohan.krishnan@gmail.com"),
    ("call plus four four double seven zero zero", "call +447700"),
    ("请联系rohan@example.com谢谢", "请联系 rohan@example.com 谢谢"),
    (f"a{ZW}b@exa\u200dmple.com", "ab@example.com"),
    ("ＴＥＬ：＋４４ ２０", "TEL:+44 20"),
    ("i live at forty two baker street", "i live at 42 baker street"),
    ("two hundred and five oak avenue", "205 oak avenue"),
    ("one or two things at home", "one or two things at home"),  # no rewrite
    ("meet at noon", "meet at noon"),
])
def test_normalised_text(text: str, normalised: str) -> None:
    assert normalize(text).text == normalised


def test_spans_are_offsets_into_the_original_text() -> None:
    text = f"请联系ro{ZW}han@example.com谢谢, call nine four three five five five zero one nine nine"
    spans = get_engine().analyze_one(text)
    got = {(text[s.start:s.end], s.entity_type) for s in spans}
    assert (f"ro{ZW}han@example.com", "EMAIL_ADDRESS") in got
    assert ("nine four three five five five zero one nine nine", "PHONE_NUMBER") in got


def test_spoken_ipv4_is_rewritten_part_by_part() -> None:
    from audit.pii._normalize import normalize

    text = "the box is at one nine two dot one six eight dot zero dot twelve now"
    n = normalize(text)
    assert "192.168.0.12" in n.text
    start = n.text.index("192")
    assert n.to_original(start, start + len("192.168.0.12")) == (
        text.index("one nine two"), text.index(" now"))
    # a part over 255, a version or a decimal is not an address
    for words in ("three dot two dot one dot nine hundred", "it is two point five",
                  "version three dot two"):
        assert "." not in normalize(words).text
