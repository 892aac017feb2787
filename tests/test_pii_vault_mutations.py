"""Reversible pseudonyms survive what small models do to them, within the owning session only."""

from __future__ import annotations

import pytest

from audit.pii.vault import PseudonymVault
from audit.types import Span
from monitors.redaction._reversible import SessionRegistry


def _vault() -> PseudonymVault:
    v = PseudonymVault()
    text = "Anna Weber <anna@example.org> +49 30 1234567"
    out = v.pseudonymise(text, [Span(0, 10, "PERSON", 0.9, "t"), Span(12, 28, "EMAIL_ADDRESS", 0.9, "t"),
                                Span(30, 44, "PHONE_NUMBER", 0.9, "t")])
    assert out == "<PERSON_1> <<EMAIL_ADDRESS_1>> <PHONE_NUMBER_1>"
    return v


def test_the_answer_smollm2_gave_is_restored():
    # SmolLM2-135M via llama.cpp, asked to use <PERSON_1> and <EMAIL_ADDRESS_1>
    assert _vault().restore("Contact <PERSON> 1 at Address 1 for details.") == \
        "Contact Anna Weber at anna@example.org for details."


@pytest.mark.parametrize("form, value", [
    ("<PERSON>1", "Anna Weber"), ("<PERSON> #1", "Anna Weber"), ("<person> 1", "Anna Weber"),
    ("[PERSON_1]", "Anna Weber"), ("{PERSON 1}", "Anna Weber"), ("(PERSON_1)", "Anna Weber"),
    ("PERSON_1", "Anna Weber"), ("Person 1", "Anna Weber"), ("person-1", "Anna Weber"),
    ("Email Address 1", "anna@example.org"), ("EMAIL ADDRESS_1", "anna@example.org"),
    ("[EMAIL_ADDRESS 1]", "anna@example.org"), ("Phone Number 1", "+49 30 1234567"),
    ("Number 1", "+49 30 1234567"), ("<PHONE_NUMBER> 1", "+49 30 1234567"),
])
def test_usual_mutations_are_restored(form, value):
    assert _vault().restore(f"Reach {form}, thanks.") == f"Reach {value}, thanks."


@pytest.mark.parametrize("text", [
    "Person 2 and PERSON_12 are not held",  # numbers this vault never issued
    "Persona 1 and Personal 1st place",  # other words, other numbers
    "Location 1 and LOCATION_1",  # a type this vault never issued
    "room 1; the <b>1</b> tag",
])
def test_lookalikes_stay(text):
    assert _vault().restore(text) == text


def test_a_shared_last_word_is_not_guessed():
    v = PseudonymVault()
    v.token_for("anna@example.org", "EMAIL_ADDRESS")
    v.token_for("10.0.0.7", "IP_ADDRESS")
    assert v.restore("Address 1, Email Address 1, IP Address 1") == \
        "Address 1, anna@example.org, 10.0.0.7"


def test_restored_values_are_not_rescanned():
    v = PseudonymVault()
    assert v.token_for("Person 2", "PERSON") == "<PERSON_1>"
    assert v.token_for("Bob", "PERSON") == "<PERSON_2>"
    assert v.restore("<PERSON_1> met Person 2") == "Person 2 met Bob"


def test_token_spans_cover_mutated_forms():
    v = _vault()
    text = "Contact <PERSON> 1 at Address 1 or <PHONE_NUMBER_1>."
    assert [text[s:e] for s, e in v.token_spans(text)] == ["<PERSON> 1", "Address 1",
                                                           "<PHONE_NUMBER_1>"]


def test_mutated_tokens_restore_only_in_the_owning_session():
    reg = SessionRegistry()
    alice = [(b"authorization", b"Bearer alice")]
    mine = reg.open(alice)
    assert mine.vault.pseudonymise("Anna Weber", [Span(0, 10, "PERSON", 0.9, "t")]) == "<PERSON_1>"
    again = reg.open(alice + [(b"x-assay-session", mine.handle.encode())])
    assert again.vault.restore("Hi <PERSON> 1") == "Hi Anna Weber"
    thief = reg.open([(b"authorization", b"Bearer mallory"),
                      (b"x-assay-session", mine.handle.encode())])
    assert thief.borrowed and reg.borrow_attempts == 1
    leaked = [t for t in ("Hi <PERSON> 1", "Person 1", "[PERSON_1]", "<PERSON_1>")
              if "Anna" in thief.vault.restore(t)]
    assert leaked == []  # 0 leaked
    assert thief.vault.protect("Hi <PERSON> 1") == []  # nothing issued in this session


def test_square_token_style_round_trips_and_bad_style_is_refused():
    from audit.errors import UsageError
    from monitors.redaction._config import RedactionConfig

    v = PseudonymVault(token_style="square")
    out = v.pseudonymise("Mail Anna Weber", [Span(5, 15, "PERSON", 0.9, "t")])
    assert out == "Mail [PERSON_1]"
    assert v.restore("Dear [PERSON_1], <PERSON_1>, Person 1") == "Dear Anna Weber, Anna Weber, Anna Weber"
    assert v.token_spans("x [PERSON_1] y") == [(2, 12)]
    reg = SessionRegistry(token_style="square")
    s = reg.open([(b"authorization", b"Bearer a")])
    assert s.vault.pseudonymise("Anna Weber", [Span(0, 10, "PERSON", 0.9, "t")]) == "[PERSON_1]"
    with pytest.raises(UsageError):
        PseudonymVault(token_style="curly")
    with pytest.raises(UsageError):
        RedactionConfig(token_style="curly")


def test_middleware_square_tokens_and_mangled_echo_restore_for_the_owner(store):
    """The real middleware (uvicorn on loopback, real presidio): square placeholders go upstream,
    and the mangled forms a small model writes back are restored (session isolation of the
    mangled forms: test_mutated_tokens_restore_only_in_the_owning_session)."""
    import json

    from tests.boundary_kit import EMAIL, Reply, close_stack, make_stack, presidio_detector

    seen: list[str] = []

    def reply(req) -> Reply:
        body = json.loads(req["body"] or b"{}")
        seen.append(body["messages"][-1]["content"])
        text = "Contact <EMAIL_ADDRESS> 1 or Email Address 1 soon."
        return Reply(200, [(b"content-type", b"application/json")], [json.dumps(
            {"id": "x", "object": "chat.completion", "model": "m", "choices": [{
                "index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": text}}]}).encode()])

    s = make_stack("middleware", presidio_detector(), store=store, reversible=True,
                   token_style="square")
    s.up.reply = reply
    try:
        def chat(key: str):
            headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
            return s.post({"model": "m", "messages": [{"role": "user",
                                                        "content": f"Mail me at {EMAIL}."}]},
                          headers)

        r = chat("owner")
        assert seen[-1] == "Mail me at [EMAIL_ADDRESS_1]."  # square placeholder upstream
        content = r.json()["choices"][0]["message"]["content"]
        assert content == f"Contact {EMAIL} or {EMAIL} soon."
    finally:
        close_stack(s)
