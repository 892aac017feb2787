"""The PII engine and vault on the real default model's output (SmolLM2-135M-Instruct, CPU)."""

from __future__ import annotations

import re

import pytest

from audit.model.base import GenerationConfig
from audit.pii import PseudonymVault, get_engine


@pytest.mark.model
def test_pseudonymise_prompt_restore_and_scan_real_reply(default_model) -> None:
    engine = get_engine()
    user = "My name is Anna Weber and my email is anna.weber@example.com."
    vault = PseudonymVault()
    masked = vault.pseudonymise(user, engine.analyze_one(user))
    assert masked == "My name is <PERSON_1> and my email is <EMAIL_ADDRESS_1>."
    prompt = f"Repeat this sentence exactly, word for word: {masked}"
    (reply,) = default_model.generate([prompt], GenerationConfig(max_new_tokens=40))
    restored = vault.restore(reply)
    # Every vault token the model echoed (in any case or spacing) is back to its value ...
    for body, value in (("PERSON_1", "Anna Weber"), ("EMAIL_ADDRESS_1", "anna.weber@example.com")):
        pattern = r"<\s*" + r"\s*".join(map(re.escape, body)) + r"\s*>"
        echoed = len(re.findall(pattern, reply, flags=re.I))
        assert len(re.findall(pattern, restored, flags=re.I)) == 0
        assert restored.count(value) >= echoed
    # ... and scanning the restored reply finds the restored values where they are.
    for s in engine.analyze_one(restored):
        assert 0 <= s.start < s.end <= len(restored)
    if "anna.weber@example.com" in restored:
        assert any(s.entity_type == "EMAIL_ADDRESS" for s in engine.analyze_one(restored))
