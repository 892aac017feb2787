"""Tenth sealed PII set: hand-written texts in thirteen more genres, nobody tuned on, per class.

Run once, by the lead: `.venv/bin/python -m bench.pii_sealed10` (`--path` for another file).
It runs `bench.pii_sealed` on this file (same engines, same ≥50%-overlap matching, same span and
checksum checks, its JSON line and table), then prints a second JSON line and table with the
second set's additions: per-class precision, recall and F2 with n and Wilson 95% intervals, and
the false-positive rate on the PII-free texts, overall and per genre, for Assay and presidio's
default engine. Per class means the scorer's typed classes: STREET_ADDRESS, POSTCODE and LOCATION
are one class (LOCATION), every other label is its own.

Where sets one to nine cover chat, tickets, forms, prose, markup, speech, records, clinic notes,
payloads, e-mail, calendars, travel, legal, HR, banking, insurance, social media, reviews, dating,
logistics, web logs, assistant transcripts, announcements, sports, rides, spreadsheets,
government, telecom, e-commerce, recruiting, immigration, helpdesk, property, education, patient
portals, events, finance, community posts, call transcripts, hospitality, automotive, utilities,
veterinary, nonprofit, faith, press, gig work, dev configs, SMS threads, OCR scans,
family/childcare, voicemail and other languages, this one is maritime (crew lists, port agency
notes, customs manifests, allotments, crew changes), aviation (crew rosters, passenger service
notes, lost-baggage reports, compensation claims), construction (site diaries, subcontractor
lists, snag lists, permits, neighbour complaints), agriculture (co-op member records, feed and vet
visits, market receipts, picker lists), archives (library loans, archive and genealogy requests,
deeds of gift), retail (loyalty sign-ups, POS receipts, store incident reports, layaway and store
cards), fintech (wallet support chats, KYC notes, chargeback disputes, SEPA instructions), gaming
(player support tickets, tournament sign-ups, moderation and ban appeals, prize forms), wellbeing
(counselling intake, gym memberships, mental-health referrals), civic (voter registration, jury
summons, petitions, FOI requests, citizen complaints), research (consent forms, participant logs
and keys, lab notebooks, field notes), minutes (board, committee, AGM and owners' meetings) and
teamchat (Slack/Teams exports with @mentions, threads and emoji reactions). It holds lower-case
speech-to-text passages with spoken digits and e-mails in English, Spanish, French, German and
Portuguese, names in nine scripts, and zero-width characters inside a few values. How it was
written and labelled: bench/README.md, "Tenth sealed set".
"""

from __future__ import annotations

from pathlib import Path

from bench.pii_sealed2 import run_sealed

__all__ = ["SEALED10", "main"]

SEALED10 = Path(__file__).resolve().parent / "data" / "pii_sealed10.jsonl"


def main(argv: list[str] | None = None) -> dict:
    return run_sealed("pii_sealed10", "Tenth sealed set", SEALED10, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
