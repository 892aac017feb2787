"""Keyed hashes: per-install secret created 0600 outside the DB; hash/encrypt operators use it."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from audit.errors import DataError, UsageError
from audit.pii import get_engine, keyed_hash
from audit.pii.redact import decrypt_value, redact_spans
from audit.types import Span


def test_secret_created_0600_and_hash_is_keyed(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a" / "secret.key", tmp_path / "b" / "secret.key"
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(a))
    h = keyed_hash("anna@example.com")
    assert a.exists() and stat.S_IMODE(a.stat().st_mode) == 0o600
    assert len(h) == 64 and h == keyed_hash("anna@example.com")
    assert h != hashlib.sha256(b"anna@example.com").hexdigest()  # not a plain, guessable hash
    assert "anna" not in a.read_text()
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(b))
    assert keyed_hash("anna@example.com") != h  # another install, another key


def test_short_secret_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "short.key"
    bad.write_text("abc")
    bad.chmod(0o600)  # private, so the length is what is refused
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(bad))
    with pytest.raises(DataError, match="too short"):
        keyed_hash("x")


def test_operators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(tmp_path / "s.key"))
    text = "mail anna@example.com now"
    spans = [Span(5, 21, "EMAIL_ADDRESS", 1.0)]
    assert redact_spans(text, spans) == "mail <EMAIL_ADDRESS> now"
    assert redact_spans(text, spans, "mask") == "mail " + "*" * 16 + " now"
    hashed = redact_spans(text, spans, "hash")
    assert hashed == f"mail <EMAIL_ADDRESS:{keyed_hash('anna@example.com')[:16]}> now"
    enc = redact_spans(text, spans, "encrypt")
    token = enc[5:-4]
    assert "anna" not in enc and decrypt_value(token) == "anna@example.com"
    with pytest.raises(UsageError):
        redact_spans(text, spans, "rot13")


def test_engine_redact_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(tmp_path / "s.key"))
    out = get_engine().redact(["Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32",
                               "no pii here"])
    assert out == ["Card <CREDIT_CARD>, IBAN <IBAN_CODE>", "no pii here"]
