"""IPv4 quads that are versions or OID fragments, and hosts that must stay, over the real engine.

Each negative names the cue the recognizer reads (`HostIpRecognizer` in
audit/pii/recognizers/_contact.py); each positive is a host written next to the same kind of
wording, so a cue that reached too far would fail here.
"""

from __future__ import annotations

import pytest

from audit.pii import PIIEngine, get_engine


@pytest.fixture(scope="module")
def engine() -> PIIEngine:
    return get_engine()


def ips(engine: PIIEngine, text: str) -> list[str]:
    return [text[s.start:s.end] for s in engine.analyze_one(text) if s.entity_type == "IP_ADDRESS"]


NOT_HOSTS = [
    # inside a longer dotted run: OIDs, five-part builds, file names
    "walked the MIB below 1.3.6.1.4.1.9 last night, nothing new",
    "trap oid=1.3.6.1.6.3.1.1.5.3 received twice",
    "bundle renamed to vendor.3.9.1.2.min.css in the last deploy",
    "nightly 2025.3.14.2.7 is tagged",
    # a cue word right before
    "attribute OID 2.5.4.10 (organizationName) was missing from the cert",
    "roll back to 6.1.2.9 if the smoke test fails",
    "we pinned to 3.2.2.4 until the fix lands",
    "after upgrading to 11.2.0.4 the listener refused logins",  # Oracle 11.2.0.4
    "Host OS 6.2.9.1 reported, uptime 4 days",
    "kernel 4.19.0.21 panicked on boot",
    "the version string 9.0.1.3 confused the parser",
    'ERROR: duplicate key (release)=(8.1.0.2)',
    "pull harbor.internal/payments/api:2.14.0.1 before the rollout",
    # a cue word right after
    "the 3.4.2.1 firmware bricked two cameras",
    "she still runs the 5.0.3.2 release candidate",
    "tagged 7.7.1.0-rc2 for QA",
    # a sibling of a cued version: same first two parts
    "Release 12.4.3.0 shipped Monday; 12.4.2.9 stays supported until June.",
    # a table column headed Version / Build
    "| Component | Version |\n|---|---|\n| ledger-core | 4.0.2.6 |\n| ui | 4.0.3.1 |",
    # a version's shape (a one-digit first part, the others 20 or less) and no word that names
    # an address right before it: weak words such as "for", "client", "server" are not enough
    "the rollout of 2.1.0.3 is paused until Friday",
    "bot banned for spam, client=3.0.1.2 (outdated)",
    "La versión 4.11.0.2 ya está disponible en la tienda.",
    "Crash seen on 7.2.0.14 and 7.2.0.15, fine on 7.1.9.",
    "planning for 1.4.2.0 starts next sprint",
    "Server 3.6.1.2 rejected the bind request",
    "com.example.Viewer (2.8.1.5) quit unexpectedly",
    # a whole special-purpose block in an allow list names no site
    "deny 172.16.0.0/12 by default, then 0.0.0.0/0 on port 443",
]

HOSTS = [
    ("failed password for root from 52.14.201.9 port 41822 ssh2", ["52.14.201.9"]),
    ("client 8.8.4.4 asked for the zone, firmware 8.8.4.1 on the resolver",
     ["8.8.4.4"]),
    # a version elsewhere in the text does not hide a host with a host word before it
    ("Release 10.2.0.1 deployed; smoke tests from 10.2.7.40 passed.", ["10.2.7.40"]),
    # a host column next to a version column
    ("| Host | Version |\n|---|---|\n| 10.6.0.21 | 10.6.1.2 |", ["10.6.0.21"]),
    # IPv4-mapped IPv6 is a host, not a short IPv6 stub
    ("accepted connection from ::ffff:198.51.100.77 on :443", ["::ffff:198.51.100.77"]),
    # a sentence-final dot is not part of a dotted run
    ("The attacker's address was 185.220.101.4.", ["185.220.101.4"]),
    # an address at the start of a line after a dotted run on the line before
    ("next hop list:\n172.31.9.14 via eth0", ["172.31.9.14"]),
    # an Italian street word before a header name does not swallow the address
    ("proxied via X-Real-IP 203.0.113.61, upstream 10.9.8.7", ["203.0.113.61", "10.9.8.7"]),
    # a machine noun before it keeps a host that shares two parts with a version (was missed)
    ("upgraded to 10.0.1.2; node 10.0.3.4 rebooted", ["10.0.3.4"]),
    ("Release 4.2.1.7 rolled out; server 4.2.9.30 still on the old build", ["4.2.9.30"]),
    # a version-shaped quad after a word that names an address, before a port, in a URL, in a
    # list after another host, or with parts repeating in pairs as resolvers' do
    ("set the dns to 1.0.0.1 on the guest network", ["1.0.0.1"]),
    ("ssh 3.1.4.15 -p 2222 timed out", ["3.1.4.15"]),
    ("open http://5.2.7.11/admin from the office", ["5.2.7.11"]),
    ("reached 2.4.1.3:22 before the ban", ["2.4.1.3"]),
    ("nameservers 8.8.8.8, 1.0.0.1 and 9.9.9.9 all time out", ["8.8.8.8", "1.0.0.1", "9.9.9.9"]),
    ('FALLBACK_DNS = "4.4.2.2"', ["4.4.2.2"]),
    # a URL's user part before "@" is a host's, not a package's version pin
    ("DATABASE_URL=mysql://svc:hunter2@10.3.8.61:3306/orders", ["10.3.8.61"]),
    # a subnet of a site (not a whole reserved block) is that site's address range
    ("office_cidr = 10.12.4.0/22", ["10.12.4.0/22"]),
    ("the firewall allows 172.20.16.0/20 only", ["172.20.16.0/20"]),
    # a host name that starts with a version word ("build.", "release-") is no version cue
    ("10.9.1.7 build.corp.example\n10.9.1.8 release-gw.corp.example",
     ["10.9.1.7", "10.9.1.8"]),
]


@pytest.mark.parametrize("text", NOT_HOSTS)
def test_versions_and_oids_are_not_ips(engine: PIIEngine, text: str) -> None:
    assert ips(engine, text) == []


@pytest.mark.parametrize(("text", "expected"), HOSTS)
def test_hosts_stay_ips(engine: PIIEngine, text: str, expected: list[str]) -> None:
    assert ips(engine, text) == expected
