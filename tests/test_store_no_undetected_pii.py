"""What the detector misses never reaches the store either (evidence mode `shape`, the default).

Hundreds of invented values (names from made-up syllables, lower-case and accented names, ID
formats nobody uses, odd addresses, spoken e-mails) are planted in production log records and in
an audit's prompts and model outputs, next to one value the detector does find (so every record
makes a finding). The real presidio engine runs; then the SQLite files (db, -wal, -shm) are read
as bytes and every PostgreSQL table is dumped row by row, and each planted value and each of its
distinctive parts is searched for: 0 found. The same records monitored with the opt-in
`--evidence redacted` do leak most of them, which is what shows the search can find a leak.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from audit.model import FakeModel
from audit.runner import AuditConfig, run_audit
from audit.store import open_store
from monitors.detector import presidio_detector
from monitors.monitor import Monitor, MonitorConfig

SYLLABLES = ("zor", "vath", "quel", "limb", "ost", "rak", "fen", "drith", "olm", "bex", "tav",
             "yun", "skel", "prim", "wob", "nax", "thul", "orn", "jass", "kel", "mub", "zeb",
             "rill", "gaf", "pon", "swel", "treb", "ux", "wyth", "plo")
N_RECORDS = 200


def word(rng: random.Random, n: int = 3) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(n))


def digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10 ** (n - 1), 10 ** n))


def invented_value(rng: random.Random, kind: int) -> str:
    """One value of an identity-bearing kind no recognizer was written for."""
    up = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return [
        lambda: f"{word(rng).title()} {word(rng).title()}",                  # a name
        lambda: f"{word(rng)} {word(rng)}",                                  # spoken, lower case
        lambda: f"{word(rng).title()}ä {word(rng).title()}é",                # accented
        lambda: f"{rng.choice(up)}{rng.choice(up)}-{digits(rng, 6)}-{rng.choice(up)}",  # an id
        lambda: f"{digits(rng, 3)}/{rng.choice(up)}{rng.choice(up)}/{digits(rng, 7)}",
        lambda: f"{word(rng, 2).upper()}{digits(rng, 6)}{word(rng, 2).upper()}",
        lambda: f"{digits(rng, 3)} {word(rng).title()}wick Yard, {word(rng).title()}ton",
        lambda: f"{word(rng)} at {word(rng)} dot org",                        # a spoken e-mail
        lambda: word(rng, 4).title(),                                        # a surname alone
        lambda: f"{word(rng, 2)}_{word(rng, 2)}{digits(rng, 2)}",            # a user handle
    ][kind % 10]()


def parts(value: str) -> set[str]:
    """The value and its distinctive pieces: words of >= 6 letters, digit runs of >= 6."""
    out = {value, value.lower()}
    out.update(p for p in re.findall(r"[^\W\d_]{6,}", value) if p.lower() not in ("dot",))
    out.update(re.findall(r"\d{6,}", value))
    return out


def planted_records(seed: int = 13) -> tuple[list[dict[str, str]], list[str]]:
    rng = random.Random(seed)
    records, values = [], []
    for i in range(N_RECORDS):
        a, b = invented_value(rng, 2 * i), invented_value(rng, 2 * i + 1)
        values += [a, b]
        records.append({
            "id": f"req-{i}",
            "prompt": f"Please update the file for {a} today.",
            "response": f"Done: {b} is on file, SSN 536-22-{1000 + i:04d}.",
        })
    return records, values


# A timestamp the store writes ("2026-12-03 06:44:21.016513"), as text in SQLite and in a
# table dump. Its digits are masked before searching: two written back to back
# ("…20.0555442026-12-03 …") or one followed by a record byte that is an ASCII digit
# ("…21.0165139$") hold random 6-digit runs, which made this test fail about once in
# a few hundred runs (CI, 2026-12-03: '335777' "found" in a WAL).
_TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d{6})?")


def _unstamped(data: bytes) -> bytes:
    return _TIMESTAMP.sub(lambda m: b"#" * len(m.group()), data)


def _leaks(data: bytes, p: str) -> bool:
    """`p` occurs in `data` (timestamps masked) other than as digits inside a hex digest."""
    if p.encode("utf-16-le") in data:
        return True
    for m in re.finditer(re.escape(p.encode()), data):
        if p.isdigit():
            before, after = data[max(0, m.start() - 16):m.start()], data[m.end():m.end() + 16]
            if len(re.search(rb"[0-9a-f]*$", before)[0] + p.encode()
                   + re.match(rb"[0-9a-f]*", after)[0]) >= 16:  # inside a keyed hash
                continue
        return True
    return False


def found_in(blobs: dict[str, bytes], values: list[str]) -> list[tuple[str, str]]:
    masked = {name: _unstamped(data) for name, data in blobs.items()}
    return [(name, p) for name, data in masked.items() for v in values for p in parts(v)
            if _leaks(data, p)]


def sqlite_blobs(db: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"))
            if p.exists()}


def table_dump(url: str) -> dict[str, bytes]:
    """Every row of every table, as JSON text per table."""
    st = open_store(url)
    md = MetaData()
    md.reflect(st.engine)
    with st.engine.connect() as conn:
        out = {t: json.dumps([list(r) for r in conn.execute(select(md.tables[t]))],
                             default=str, ensure_ascii=False).encode()
               for t in md.tables}
    st.close()
    return out


def undetected(values: list[str], texts: list[str]) -> int:
    """How many planted values the engine does not find (no detected span overlaps them)."""
    from audit.pii import get_engine

    spans = get_engine().analyze(texts)
    missed = 0
    for v in values:
        t = next(i for i, x in enumerate(texts) if v in x)
        a = texts[t].index(v)
        missed += not any(s.start < a + len(v) and a < s.end for s in spans[t])
    return missed


@pytest.fixture(autouse=True)
def _secret(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_SECRET_FILE", str(tmp_path / "key" / "secret.key"))


def monitor_records(url: str, tmp_path: Path, evidence: str = "shape") -> int:
    records, _ = planted_records()
    log = tmp_path / f"gw-{evidence}.jsonl"
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                   encoding="utf-8")
    st = open_store(url)
    cfg = MonitorConfig(paths=(str(log),), state_path=tmp_path / f"{evidence}.offsets.json",
                        name=f"m-{evidence}", rotated_grace_s=0, evidence=evidence)
    Monitor(cfg, st, presidio_detector()).poll_once()
    n = sum(1 for f in st.findings(source="monitor") if f.probe == "response")
    st.close()
    return n  # findings on responses: one per record (its SSN)


def test_monitor_stores_none_of_the_values_the_detector_misses(tmp_path: Path) -> None:
    records, values = planted_records()
    texts = [r[k] for r in records for k in ("prompt", "response")]
    missed = undetected(values, texts)
    assert missed >= 200, missed  # the planted values really are ones the detector misses
    db = tmp_path / "store" / "assay.db"
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    assert monitor_records(url, tmp_path) == N_RECORDS  # every response had its SSN found
    assert found_in(sqlite_blobs(db), values) == []     # WAL not yet checkpointed
    st = open_store(url)
    f = st.findings(source="monitor", limit=1)[0]
    st.close()
    assert "<US_SSN>" in f.evidence and f.details["evidence_mode"] == "shape"
    assert "record_id" not in f.details and len(f.details["record_id_hash"]) == 16
    assert found_in(sqlite_blobs(db), values) == []     # and after the last connection closed


def test_redacted_evidence_is_the_opt_in_that_leaks(tmp_path: Path) -> None:
    """The check has teeth: the same records under `--evidence redacted` leak what was missed."""
    _, values = planted_records()
    db = tmp_path / "r.db"
    assert monitor_records(f"sqlite:///{db}", tmp_path, evidence="redacted") == N_RECORDS
    leaked = {p for _, p in found_in(sqlite_blobs(db), values)}
    whole = sum(1 for v in values if v in leaked)
    assert whole >= 100, whole  # 160 of 400 with the engine of this commit


@pytest.mark.postgres
def test_postgres_tables_hold_none_of_the_values(postgres_url: str, tmp_path: Path) -> None:
    _, values = planted_records()
    assert monitor_records(postgres_url, tmp_path) == N_RECORDS
    prompts = write_prompts(tmp_path)
    st = open_store(postgres_url)
    run_audit(AuditConfig(suites=("pii_emission",), data={"pii_emission": prompts}),
              FakeModel(responses=reply), st)
    st.close()
    dump = table_dump(postgres_url)
    assert b"<US_SSN>" in dump["findings"] and b"<EMAIL_ADDRESS>" in dump["findings"]
    assert found_in(dump, values + audit_values()) == []


def audit_values() -> list[str]:
    rng = random.Random(29)
    return [invented_value(rng, i) for i in range(2 * N_RECORDS)]


def reply(prompt: str) -> str:
    """A model that repeats an invented value from the prompt and adds one of its own."""
    i = int(prompt.split("#")[1].split()[0])
    return f"I found {audit_values()[2 * i + 1]} in the notes; mail ana.sousa{i}@example.org."


def write_prompts(tmp_path: Path) -> Path:
    vals = audit_values()
    p = tmp_path / "prompts.jsonl"
    p.write_text("".join(json.dumps({"id": f"p{i}", "prompt": f"Case #{i} about {vals[2 * i]}?"},
                                    ensure_ascii=False) + "\n" for i in range(N_RECORDS)),
                 encoding="utf-8")
    return p


def test_audit_findings_store_none_of_the_values(tmp_path: Path) -> None:
    vals = audit_values()
    prompts = write_prompts(tmp_path)
    texts = ([json.loads(ln)["prompt"] for ln in prompts.read_text().splitlines()]
             + [reply(f"Case #{i} x") for i in range(N_RECORDS)])
    assert undetected(vals, texts) >= 200
    db = tmp_path / "a.db"
    st = open_store(f"sqlite:///{db}")
    res = run_audit(AuditConfig(suites=("pii_emission",), data={"pii_emission": prompts}),
                    FakeModel(responses=reply), st)
    assert len(res.findings) == N_RECORDS and res.run.config["evidence"] == "shape"
    assert all("<EMAIL_ADDRESS>" in f.evidence for f in res.findings)
    assert found_in(sqlite_blobs(db), vals) == []
    st.close()
    assert found_in(sqlite_blobs(db), vals) == []
