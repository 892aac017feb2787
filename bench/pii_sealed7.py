"""Seventh sealed PII set: hand-written texts in sixteen more genres, nobody tuned on, per class.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed7` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with the
second set's additions: per-class precision, recall and F2 with n and Wilson 95% intervals, and
the false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's
default engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION
are one class (LOCATION), every other label is its own.

Where the earlier sets cover chat, tickets, forms, prose, markup, speech, records, clinic notes,
payloads, bug reports, e-mail, calendars, tax forms, pharmacy, vet, classifieds, parent chats,
hotels, utility bills, fines, charity, developer metadata, subtitles, moderation logs, academic
text and other languages, this one is travel (bookings, PNRs in airline notation, boarding
passes, visa forms), legal text (court filings, police reports, tenancy tribunals, witness
statements, depositions), HR (CVs, applications, references, onboarding and payroll forms),
banking (statements, SEPA and SWIFT MT103 wires, cheques, fraud-team notes, mobile money),
insurance (first notice of loss, adjuster notes, accident reports, IVR transcripts), social media
posts, comments and DMs with @handles and emoji, reviews of doctors, landlords, tradespeople and
products, dating profiles and messages, logistics (customs declarations, bills of lading,
delivery notes, courier scans and manifests), web and system logs (nginx/apache access and error
logs, sshd, auth.log, k8s events and audit, firewall, VPN, DHCP, Cloudflare/WAF JSON: many IPs,
and PII-free ones full of versions, hashes, timestamps and UUIDs), user/assistant transcripts with
an AI assistant, announcements (obituaries, weddings, births, newsletters, church bulletins),
sports (rosters, results, registrations, scouting notes), ride-hailing, delivery, rental and
scooter receipts and driver notes, spreadsheets (CSV, TSV, markdown tables and pasted Excel,
headers in several languages), and messages in languages set six did not use (Hebrew, Tamil,
Bengali, Amharic, Tagalog, Czech, Hungarian, Finnish, Italian, Malay, Persian, Ukrainian,
European Portuguese, Catalan, Polish, Thai). How it was written and labelled: bench/README.md,
"Seventh sealed set".
"""

from __future__ import annotations

from pathlib import Path

from bench.pii_sealed2 import run_sealed

__all__ = ["SEALED7", "main"]

SEALED7 = Path(__file__).resolve().parent / "data" / "pii_sealed7.jsonl"


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed7", "Seventh sealed set", SEALED7, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
