"""Fourth sealed PII set: hand-written business records nobody tuned on, scored per class.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed4` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with the
second set's additions: per-class precision, recall and F2 with n and Wilson 95% intervals, and
the false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's
default engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION
are one class (LOCATION), every other label is its own.

Where the earlier sets lean on chat, tickets, forms, prose, markup and speech, this one is the
records organisations keep: call-centre transcripts, CRM notes, listings and tenancy letters,
courier messages, school and university records, travel bookings, police and insurance files,
CVs and onboarding forms, genealogy, forum posts, podcast transcripts, order e-mails, firewall
and access logs and incident postmortems, with addresses written the local way in many
countries. How it was written and labelled: bench/README.md, "Fourth sealed set".
"""

from __future__ import annotations

from pathlib import Path

from bench.pii_sealed2 import run_sealed

__all__ = ["SEALED4", "main"]

SEALED4 = Path(__file__).resolve().parent / "data" / "pii_sealed4.jsonl"


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed4", "Fourth sealed set", SEALED4, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
