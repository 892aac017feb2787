"""Phone formats that had no rule: German/Austrian area codes written with a slash between
spaces, Spanish and Portuguese nine-digit numbers, 3-3-4 local numbers with a trunk 0,
Mexican mobiles written "+52 1 ...", and E.164 numbers written without their "+" after a
context word. Each with look-alikes that must stay undetected."""

from __future__ import annotations

import pytest

from audit.pii import get_engine


def phones(text: str) -> list[str]:
    return [text[s.start:s.end] for s in get_engine().analyze_one(text)
            if s.entity_type == "PHONE_NUMBER"]


@pytest.mark.parametrize("text, value", [
    ("Bei Rückfragen: Tel. 0221 / 47 83 920, Frau Lindqvist", "0221 / 47 83 920"),
    ("Rückruf bitte unter 089 / 765 43 21.", "089 / 765 43 21"),
    ("Büro Graz, Telefon 0316 / 81 22 47", "0316 / 81 22 47"),
    ("mi móvil es el 622 48 19 73, escríbeme", "622 48 19 73"),
    ("Para reservas llame al 915 22 48 61.", "915 22 48 61"),
    ("O meu telemóvel é 917 204 386.", "917 204 386"),
    ("Teléfono 622 481 973, pregunta por Nuria", "622 481 973"),
    ("you can reach the site office on 021 447 3906 after nine", "021 447 3906"),
    ("Puhelin 050 312 8846, soita iltaisin", "050 312 8846"),
    ("Call the front desk, +52 1 55 4120 3398, any time", "+52 1 55 4120 3398"),
    ("contact msisdn 447911123456 for the courier", "447911123456"),
])
def test_detected(text: str, value: str) -> None:
    assert value in phones(text)


@pytest.mark.parametrize("text", [
    "Order 622 48 19 73 shipped on 2026-03-04.",
    "Invoice no. 915 224 861 is overdue.",
    "Total: 936 518 204 EUR for the fiscal year",
    "The budget rose from 1 622 481 973 to 1 700 000 000 people-hours.",
    "Population 712 334 081 (2024 census).",
    "Version 6.22.48 released; build 719 204 386 failed at 14:32:07.",
    "Meeting on 03/04/2026 at 10:30, room 412, ref 2026/0418.",
    "Código postal 28013 Madrid, lote 3, plano 21/07/2025.",
    "sha 447911123456 in the cache key; row id 491751234508",
    "part number 021 447 3906 is out of stock",
])
def test_not_detected(text: str) -> None:
    assert phones(text) == []


def test_deterministic() -> None:
    text = "Tel. 0761 / 29 44 18, móvil 622 48 19 73, direct line 021 447 3906"
    first = phones(text)
    assert first and all(phones(text) == first for _ in range(3))
