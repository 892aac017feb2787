"""Helpers shared by the PII rule tests."""

from __future__ import annotations

from audit.pii import get_engine


def persons(text: str) -> list[str]:
    """The PERSON spans the default engine finds in `text`, as text, in order."""
    return [text[s.start:s.end] for s in get_engine().analyze_one(text)
            if s.entity_type == "PERSON"]
