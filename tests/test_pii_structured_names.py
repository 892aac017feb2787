"""Names in structured fields (JSON, XML, YAML, key=value, table cells) and the e-mail key trim.

`StructuredNameRecognizer` alone must report exactly the listed PERSON values; the negatives are
services, fonts, plans, bots, firms and placeholders held by the same keys. The engine rows pin
the whole pipeline's output on the log shapes from the lead's probe.
"""

from __future__ import annotations

import time

import pytest

from audit.pii import get_engine
from audit.pii.recognizers import StructuredNameRecognizer

POSITIVE = [
    ('{"patient":{"name":[{"family":"Haddad","given":["Rania"]}]}}', ["Haddad", "Rania"]),
    ('{"name":[{"family":"Lindqvist","given":["Elias","Johan"]}]}',
     ["Lindqvist", "Elias", "Johan"]),
    ('<customer id="4471"><name>Björk Sigurðardóttir</name></customer>', ["Björk Sigurðardóttir"]),
    ("<contact><givenName>Aroha</givenName><surname>Ngata</surname></contact>", ["Aroha", "Ngata"]),
    ('<family value="Okafor"/>', ["Okafor"]),
    ("<fullName>Zusoka Vobol-Fazon</fullName>", ["Zusoka Vobol-Fazon"]),
    ("patient_name=Wu, Mei-Ling|ssn=529-61-0478", ["Wu, Mei-Ling"]),
    ("name=jaime lorenzo, email=jl@hotmail.com", ["jaime lorenzo"]),
    ("customer_name: Oyelaran Adebayo\naccount: 4471", ["Oyelaran Adebayo"]),
    ('author="Tomás Ó Briain" committer="build-bot"', ["Tomás Ó Briain"]),
    ('{"name": "my-pkg", "author": "Jane Doe <jane@x.org>"}', ["Jane Doe"]),
    ("billing_contact_name=Gedul Lobur; plan=pro", ["Gedul Lobur"]),
    ('{"nok_name": "Tavi Moru", "nok_phone": "+44 7700 900123"}', ["Tavi Moru"]),
    ("firstName: sanjay\nlastName: narayanan\n", ["sanjay", "narayanan"]),
    ("assignee=Priya Raman reporter=Ola Nordmann status=open", ["Priya Raman", "Ola Nordmann"]),
    ('{"cardholder": "IVAN PETROV"}', ["IVAN PETROV"]),
    ("author=Linus Torvalds", ["Linus Torvalds"]),
    ("row 42: first=Ozioma last=Ekwueme msisdn=2348031234567", ["Ozioma", "Ekwueme"]),
    ('{"resourceType":"Patient","name":[{"family":"Nakamura-Whitfield","given":["Ikaika"]}]}',
     ["Nakamura-Whitfield", "Ikaika"]),
    ("[user]\nname = Ana Q Rivera\nemail = jane@example.com", ["Ana Q Rivera"]),
    ("| 042 | Lindqvist, Elias | Junior | 07455 210 876 |", ["Lindqvist, Elias"]),
    ("| Member | Level |\n| Hasos, Migiso | Senior |", ["Hasos, Migiso"]),
    ('id,name,team\n7,"Okonkwo, Adaeze",ops', ["Okonkwo, Adaeze"]),
]

NEGATIVE = [
    '"name": "checkout-service"',
    '"name": "eth0"',
    "<name>Premium Plan</name>",
    "name=nginx",
    "author: dependabot[bot]",
    '"customer": "ACME Ltd"',
    '"customer": "Tulpenhuis B.V."',
    '{"fontFamily": "Roboto", "family": "Roboto", "weight": 400}',
    '"given": 3',
    '"name": "Main Street Bakery"',
    "services:\n  - name: payments-api\n    image: payments:1.4\n  - name: redis\n",
    '{"name": "Kubernetes"}',
    '{"name": "Checkout Service"}',
    'assignee=unassigned reporter=system owner=root',
    '{"patient_name": "null", "contact": "n/a", "guest": "anonymous"}',
    '{"customer_name": "REDACTED", "member": "test"}',
    '{"user": "jdoe42", "name": "svc_backup"}',
    '{"author": "admin", "owner": "team-payments"}',
    "contact=support@example.com",
    "patient_id=8841-22; name=a1b2c3d4-e5f6",
    "name: https://example.org/x",
    "| id | status | host |\n| 042 | Open, Pending | web-1 |",
    'host_name="web01" file_name="Report Final"',
    "<name>Summer Sale</name>",
    "<product><name>Blue Widget</name></product>",
    '"family": "Helvetica Neue"',
    'contact: "Front Desk"',
    'parent: "Base Layer"',
    'owner: "Billing Squad"',
    "- name: Set up Python",
    "name: Build and Test",
    'reporter: "Jira Automation"',
    "guest: Guest User",
    "member: Gold",
    "customer_name: Enterprise Customer",
    "patient: stable",
    "full_name: not provided",
    "name: Lorem Ipsum",
    "retry first=true last=Sunday attempts=3",
    "page first=1 last=20",
    "first: Quarterly results are in",
    '<form id="contact"><meta name="Description" content="x"><a name="Top"></a>'
    '<input type="submit" name="Send"></form> email: hi@example.org',
    '{"name": "My Awesome App", "description": "x"}',
    '{"event":"deploy","name":"Canary Rollout"}',
]


@pytest.fixture(scope="module")
def rec() -> StructuredNameRecognizer:
    r = StructuredNameRecognizer()
    r.load()
    return r


@pytest.mark.parametrize(("text", "want"), POSITIVE)
def test_reports_name_in_person_field(rec: StructuredNameRecognizer, text: str,
                                      want: list[str]) -> None:
    got = sorted(text[r.start:r.end] for r in rec.analyze(text, ["PERSON"]))
    assert got == sorted(want)


@pytest.mark.parametrize("text", NEGATIVE)
def test_reports_nothing_for_non_person_value(rec: StructuredNameRecognizer, text: str) -> None:
    assert [text[r.start:r.end] for r in rec.analyze(text, ["PERSON"])] == []


def test_only_person_entity(rec: StructuredNameRecognizer) -> None:
    assert rec.analyze('{"full_name": "Tavi Moru"}', ["EMAIL_ADDRESS"]) == []


ENGINE = [
    ('{"patient":{"name":[{"family":"Haddad","given":["Rania"]}]}}',
     [("PERSON", "Haddad"), ("PERSON", "Rania")]),
    ('<customer id="4471"><name>Björk Sigurðardóttir</name></customer>',
     [("PERSON", "Björk Sigurðardóttir")]),
    ("patient_name=Wu, Mei-Ling|ssn=529-61-0478",
     [("PERSON", "Wu, Mei-Ling"), ("US_SSN", "529-61-0478")]),
    ("name=jaime lorenzo, email=jl@hotmail.com",
     [("PERSON", "jaime lorenzo"), ("EMAIL_ADDRESS", "jl@hotmail.com")]),
    ("| 042 | Lindqvist, Elias | Junior | 07455 210 876 |",
     [("PERSON", "Lindqvist, Elias"), ("PHONE_NUMBER", "07455 210 876")]),
    ("reply_to=ana.ortiz@example.org", [("EMAIL_ADDRESS", "ana.ortiz@example.org")]),
    ('{"name": "checkout-service", "image": "nginx"}', []),
]


@pytest.mark.parametrize(("text", "want"), ENGINE)
def test_engine_on_log_shapes(text: str, want: list[tuple[str, str]]) -> None:
    got = [(s.entity_type, text[s.start:s.end]) for s in get_engine().analyze_one(text)]
    assert got == want


def test_email_with_equals_in_local_part_is_kept() -> None:
    text = "write to a=b@example.com today"
    got = [text[s.start:s.end] for s in get_engine().analyze_one(text)
           if s.entity_type == "EMAIL_ADDRESS"]
    assert got == ["a=b@example.com"]


def test_linear_on_long_key_value_line(rec: StructuredNameRecognizer) -> None:
    text = "name=" + "Abc " * 4000 + "x=1, " + "|" * 5000 + ('"name": "' + "a " * 3000)
    t0 = time.perf_counter()
    rec.analyze(text, ["PERSON"])
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize("text", ["Owner: Design Systems.", "assignee=Platform Team",
                                  '{"contact": "Security Desk"}'])
def test_team_is_no_person(rec: StructuredNameRecognizer, text: str) -> None:
    assert rec.analyze(text, ["PERSON"]) == []
