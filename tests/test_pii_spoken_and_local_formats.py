"""Formats the ninth blind set (spent now) showed missing, with look-alikes that must stay
undetected: e-mails spoken in Spanish, French, Italian, Portuguese and German ("punto",
"arobase", "chiocciola"); spoken phones after "liga", "chiamami"; Greek mobiles; Hong Kong and
Singapore eight-digit numbers after a phone word; "called from"; two 24-hour times are not a
phone; Austrian "88/2/14" house numbers, Danish floors, "Route de Genève 9", "Jr. Huallaga 418",
Chinese road addresses with two numbered units, a postal address with postcode and town
outranking the NER reading its town as a name; an IP after user@ in ssh/rsync/scp commands."""

from __future__ import annotations

import pytest

from audit.pii import get_engine
from audit.pii._normalize import normalize


def found(text: str, kind: str) -> list[str]:
    return [text[s.start:s.end] for s in get_engine().analyze_one(text) if s.entity_type == kind]


@pytest.mark.parametrize("spoken, written", [
    ("citas punto dental arroba gmail punto com", "citas.dental@gmail.com"),
    ("karim point benali arobase orange point fr", "karim.benali@orange.fr"),
    ("marco punto desantis chiocciola libero punto it", "marco.desantis@libero.it"),
    ("ana ponto souza arroba uol ponto com ponto br", "ana.souza@uol.com.br"),
    ("jonas punkt weber at web punkt de", "jonas.weber@web.de"),
])
def test_spoken_emails_in_other_languages(spoken: str, written: str) -> None:
    text = f"escríbeme a {spoken}, gracias"
    assert normalize(text).text == f"escríbeme a {written}, gracias"
    assert found(text, "EMAIL_ADDRESS") == [spoken]


@pytest.mark.parametrize("text", [
    "meet at noon, punto final",
    "the point at issue is this",
    "a punto de salir, arroba la carga",
])
def test_words_that_are_no_email_stay(text: str) -> None:
    assert normalize(text).text == text


@pytest.mark.parametrize("text, value", [
    ("sono marco, chiamami al tre tre nove due zero sette cinque cinque uno otto quando senti.",
     "tre tre nove due zero sette cinque cinque uno otto"),
    ("me liga no onze, nove oito quatro quatro um, dois dois zero sete. valeu",
     "onze, nove oito quatro quatro um, dois dois zero sete"),
    ("Ελένη Κωνσταντίνου, 694 418 2273", "694 418 2273"),
    ("地址：九龍旺角彌敦道 700 號\n電話：9381 2764\n電郵：x@netvigator.com", "9381 2764"),
    ("Singapore office, tel 6221 4480 (9am-6pm)", "6221 4480"),
    ("Her husband Marco called from 347 552 1096, will arrive after 10", "347 552 1096"),
    ("Tel. 0930 1130", "0930 1130"),
])
def test_phones(text: str, value: str) -> None:
    assert value in found(text, "PHONE_NUMBER")


@pytest.mark.parametrize("text", [
    "Meeting 0930 1130 and budget review",
    " 1 EW 7584 Y 20JUN 3 CGNPMI HK2  0615 0840",
    "Totals: 2500 3000 units; ratio 1200-1500",
    "Opening hours 0900 1730, closed Sundays",
])
def test_phone_look_alikes(text: str) -> None:
    assert found(text, "PHONE_NUMBER") == []


@pytest.mark.parametrize("text, street", [
    ("Wechsel in die Schönbrunner Straße 88/2/14, 1050 Wien. Bitte",
     "Schönbrunner Straße 88/2/14, 1050 Wien"),
    ("Ole Sørensen, Nørrebrogade 184, 2. th., 2200 København N",
     "Nørrebrogade 184, 2. th., 2200 København"),
    ("Lars Henriksen to Mette Kristoffersen, Nørrebrogade 144, 3. tv., 2200 København N. ",
     "Nørrebrogade 144, 3. tv., 2200 København"),
    ("Neue Adresse: Route de Genève 9, 1003 Lausanne", "Route de Genève 9, 1003 Lausanne"),
    ("Dirección: Jr. Huallaga 418, dpto. 302, Cercado de Lima", "Jr. Huallaga 418, dpto. 302"),
    ("Brigitte Aumayr , Linzer Straße 42/7 , 4020 Linz", "Linzer Straße 42/7 , 4020 Linz"),
    ("Address on form: 淮海中路 1285 弄 7 号 302 室, 上海市徐汇区.", "淮海中路 1285 弄 7 号 302 室"),
    ("住在朋友家 台北市大安區和平東路二段 96 巷 5 號 3 樓 有空打給我",
     "台北市大安區和平東路二段 96 巷 5 號 3 樓"),
])
def test_streets(text: str, street: str) -> None:
    assert any(street in s for s in found(text, "STREET_ADDRESS")), found(text, "STREET_ADDRESS")


@pytest.mark.parametrize("text", [
    "Termin am 12/03/2026, Raum 4",
    "我们今天走了十里路 3 号公路",
    "In lieu of flowers, donations to the family via Liliana Restrepo, 305-555-0114.",
])
def test_street_look_alikes(text: str) -> None:
    assert found(text, "STREET_ADDRESS") == []


@pytest.mark.parametrize("text, ip", [
    ("0 2 * * * rsync -a /srv/data backup@10.30.1.5:/vol/backups/", "10.30.1.5"),
    ("ssh deploy@203.0.113.77 -p 2222", "203.0.113.77"),
    ("scp report.pdf ana@198.51.100.23:~/inbox/", "198.51.100.23"),
])
def test_ip_after_user_at(text: str, ip: str) -> None:
    assert found(text, "IP_ADDRESS") == [ip]


def test_a_package_version_after_at_stays_a_version() -> None:
    assert found("npm i left-pad@1.3.0.4 now", "IP_ADDRESS") == []
