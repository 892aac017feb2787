"""Fifth sealed PII set: hand-written texts in sixteen new genres, nobody tuned on, per class.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed5` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with the
second set's additions: per-class precision, recall and F2 with n and Wilson 95% intervals, and
the false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's
default engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION
are one class (LOCATION), every other label is its own.

Where the earlier sets cover chat, tickets, forms, prose, markup, speech and the records
organisations keep, this one is clinic notes and appointment letters, court listings and legal
filings, bank dispute letters, payroll exports (CSV/TSV), wedding guest lists and RSVPs, club
rosters, marketplace and dating-app messages, SMS threads, parish and congregation newsletters,
meeting minutes, local news and obituaries, JSON/YAML/INI payloads and crash reports,
GitHub-style bug reports, customer reviews, voicemail transcripts (lower case, spoken digits and
e-mails) and letters and messages in other languages and scripts. How it was written and
labelled: bench/README.md, "Fifth sealed set".
"""

from __future__ import annotations

from pathlib import Path

from bench.pii_sealed2 import run_sealed

__all__ = ["SEALED5", "main"]

SEALED5 = Path(__file__).resolve().parent / "data" / "pii_sealed5.jsonl"


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed5", "Fifth sealed set", SEALED5, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
