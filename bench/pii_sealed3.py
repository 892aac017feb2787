"""Third sealed PII set: hand-written prose, documents and markup nobody tuned on, scored per class.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed3` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with the
second set's additions: per-class precision, recall and F2 with n and Wilson 95% intervals, and
the false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's
default engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION
are one class (LOCATION), every other label is its own.

Where the second set is mostly short conversational records (chat, tickets, forms, log lines),
this one is running prose (news, minutes, biographies, court, medical and HR narratives,
obituaries, reviews), sentences in nine languages, Markdown tables, HTML, YAML/TOML, SQL, stack
traces, OCR-like text and speech-to-text. How it was written and labelled: bench/README.md,
"Third sealed set".
"""

from __future__ import annotations

from pathlib import Path

from bench.pii_sealed2 import run_sealed

__all__ = ["SEALED3", "main"]

SEALED3 = Path(__file__).resolve().parent / "data" / "pii_sealed3.jsonl"


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed3", "Third sealed set", SEALED3, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
