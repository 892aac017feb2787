"""Sixth sealed PII set: hand-written texts in sixteen new genres, nobody tuned on, per class.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed6` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with the
second set's additions: per-class precision, recall and F2 with n and Wilson 95% intervals, and
the false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's
default engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION
are one class (LOCATION), every other label is its own.

Where the earlier sets cover chat, tickets, forms, prose, markup, speech, records, clinic notes,
payloads and bug reports, this one is e-mail threads with headers, signatures and forwarded
blocks, calendar invites with ICS and vCard exports, tax forms and payslips (W-2, 1099, foreign
payslips), prescriptions and pharmacy messages, veterinary records and pet-sitting notes,
classified ads and lost-and-found posts, school parent group chats (WhatsApp export), hotel
registers and check-in logs, utility and telecom bills, parking, traffic and council fines,
donation receipts and fundraising pages, git logs and package metadata (CODEOWNERS, AUTHORS,
pyproject, .mailmap), interview subtitles and dictation transcripts (lower case, spoken digits
and e-mails), game and Discord moderation logs, peer reviews, acknowledgements and grant forms,
and messages in other languages and scripts. How it was written and labelled: bench/README.md,
"Sixth sealed set".
"""

from __future__ import annotations

from pathlib import Path

from bench.pii_sealed2 import run_sealed

__all__ = ["SEALED6", "main"]

SEALED6 = Path(__file__).resolve().parent / "data" / "pii_sealed6.jsonl"


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed6", "Sixth sealed set", SEALED6, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
