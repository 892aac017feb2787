"""An address written as a URL's user part ("scheme://user@host") is no e-mail address; one
written after "mailto:" or on its own still is."""

from __future__ import annotations

import pytest

from audit.pii import PIIEngine, get_engine


@pytest.fixture(scope="module")
def engine() -> PIIEngine:
    return get_engine()


def emails(engine: PIIEngine, text: str) -> list[str]:
    return [text[s.start:s.end] for s in engine.analyze_one(text)
            if s.entity_type == "EMAIL_ADDRESS"]


def test_url_user_part_is_not_an_email(engine: PIIEngine) -> None:
    assert emails(engine, "ERROR_DSN=https://9f8e7d6c@o55102.ingest.example.io/77 set") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("<a href=\"mailto:tomasz.wrona@example.pl\">write</a>", ["tomasz.wrona@example.pl"]),
    ("reach me at ngozi.eze@example.com://weird paste", ["ngozi.eze@example.com"]),
])
def test_emails_stay(engine: PIIEngine, text: str, expected: list[str]) -> None:
    assert emails(engine, text) == expected
