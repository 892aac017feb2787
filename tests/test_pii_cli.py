"""`assay pii scan|redact` contract, and bad input: binary, invalid UTF-8, a 10 MB line, chunking."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from audit.errors import DataError
from audit.pii import PIIConfig, PIIEngine, get_engine

LINES = ["Call Anna Weber on 212-555-0199 please.",
         "nothing personal in this line",
         "IBAN GB82 WEST 1234 5698 7654 32 and mail anna@example.com"]


@dataclass
class Result:
    returncode: int
    stdout: bytes
    stderr: bytes


@pytest.fixture()
def assay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture):
    """Run `assay ARGS` in-process through the console entry point (shares the loaded engine)."""
    from audit.cli import main

    monkeypatch.setenv("ASSAY_SECRET_FILE", str(tmp_path / "secret.key"))

    def run(*args: str, stdin: bytes = b"", tmp: Path | None = None) -> Result:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsysbinary.readouterr()
        return Result(code, out, err)

    return run


def test_scan_plain_text_one_json_line_per_line(assay, tmp_path: Path) -> None:
    f = tmp_path / "in.txt"
    f.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    res = assay("pii", "scan", str(f), tmp=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(x) for x in res.stdout.decode().splitlines()]
    assert len(rows) == 3 and rows[1] == {"spans": []}
    for line, row in zip(LINES, rows, strict=True):
        for s in row["spans"]:
            assert set(s) == {"start", "end", "entity_type", "score"}
            assert 0 <= s["start"] < s["end"] <= len(line)
    got = {(LINES[0][s["start"]:s["end"]], s["entity_type"]) for s in rows[0]["spans"]}
    assert got == {("Anna Weber", "PERSON"), ("212-555-0199", "PHONE_NUMBER")}
    types = {s["entity_type"] for s in rows[2]["spans"]}
    assert types == {"IBAN_CODE", "EMAIL_ADDRESS"}


def test_scan_jsonl_field_from_stdin_offsets_in_that_field(assay, tmp_path: Path) -> None:
    recs = [{"id": 1, "prompt": "Grüße, ich bin Anna Weber: anna@example.com"}, {"prompt": "ok"}]
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in recs).encode()
    res = assay("pii", "scan", "-", "--jsonl", "--field", "prompt", stdin=data, tmp=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(x) for x in res.stdout.decode().splitlines()]
    text = recs[0]["prompt"]
    assert ("anna@example.com", "EMAIL_ADDRESS") in {
        (text[s["start"]:s["end"]], s["entity_type"]) for s in rows[0]["spans"]}
    assert rows[1] == {"spans": []}


def test_redact_operators(assay, tmp_path: Path) -> None:
    data = (LINES[0] + "\n").encode()
    rep = assay("pii", "redact", stdin=data, tmp=tmp_path)
    assert rep.stdout.decode() == "Call <PERSON> on <PHONE_NUMBER> please.\n"
    mask = assay("pii", "redact", "--operator", "mask", stdin=data, tmp=tmp_path)
    assert mask.stdout.decode() == "Call ********** on ************ please.\n"
    h1 = assay("pii", "redact", "--operator", "hash", stdin=data, tmp=tmp_path).stdout.decode()
    h2 = assay("pii", "redact", "--operator", "hash", stdin=data, tmp=tmp_path).stdout.decode()
    assert h1 == h2 and "Anna" not in h1 and "<PERSON:" in h1  # keyed hash: stable per install
    bad = assay("pii", "redact", "--operator", "rot13", stdin=data, tmp=tmp_path)
    assert bad.returncode == 2 and "rot13" in bad.stderr.decode()


def test_redact_jsonl_keeps_other_fields(assay, tmp_path: Path) -> None:
    data = b'{"id": 7, "text": "mail anna@example.com"}\n'
    res = assay("pii", "redact", "--jsonl", stdin=data, tmp=tmp_path)
    assert json.loads(res.stdout) == {"id": 7, "text": "mail <EMAIL_ADDRESS>"}


def test_redact_jsonl_keeps_each_records_key_order(assay, tmp_path: Path) -> None:
    data = (b'{"zeta": 1, "text": "mail anna@example.com", "alpha": "caf\xc3\xa9"}\n'
            b'{"text": "none here", "b": 2, "a": 1}\n')
    res = assay("pii", "redact", "--jsonl", stdin=data, tmp=tmp_path)
    lines = res.stdout.decode().splitlines()
    assert [list(json.loads(ln)) for ln in lines] == [["zeta", "text", "alpha"],
                                                      ["text", "b", "a"]]
    assert "café" in lines[0] and "<EMAIL_ADDRESS>" in lines[0]


@pytest.mark.parametrize(("payload", "needle"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"caf\xe9 au lait\n", "not valid UTF-8"),
    (b"{not json}\n", "not valid JSON"),
])
def test_bad_input_is_one_line_exit_2(assay, tmp_path: Path, payload: bytes, needle: str) -> None:
    args = ("pii", "scan", "-", "--jsonl") if needle == "not valid JSON" else ("pii", "scan", "-")
    res = assay(*args, stdin=payload, tmp=tmp_path)
    err = res.stderr.decode().strip()
    assert res.returncode == 2 and res.stdout == b""
    assert needle in err and len(err.splitlines()) == 1 and err.startswith("assay: error:")


def test_ten_megabyte_single_line_fails_clearly(assay, tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_text("word " * 2_000_000, encoding="utf-8")  # 10 MB, no newline
    res = assay("pii", "scan", str(f), tmp=tmp_path)
    err = res.stderr.decode().strip()
    assert res.returncode == 2 and "10,000,000 characters" in err and "--max-chars" in err


def test_engine_rejects_oversized_text_before_loading() -> None:
    with pytest.raises(DataError, match="over the 1,000 limit"):
        PIIEngine(PIIConfig(max_chars=1000)).analyze(["x" * 1001])
    with pytest.raises(DataError, match="not str"):
        get_engine().analyze([b"bytes"])  # type: ignore[list-item]


def test_long_text_is_chunked_with_overlap_and_offsets_stay_exact() -> None:
    # Entities placed across window edges must be found once, at their true offsets.
    cfg = PIIConfig(chunk_chars=2000, chunk_overlap=200)
    engine = PIIEngine(cfg)
    filler = "the weather was mild and the meeting ran long. "
    parts, expected = [], []
    pos = 0
    for i in range(150):
        pad = filler * (1 + i % 3)
        value = f"anna{i}@example.com"
        parts.append(pad + "mail " + value + " ")
        start = pos + len(pad) + len("mail ")
        expected.append((start, start + len(value)))
        pos += len(parts[-1])
    text = "".join(parts)
    assert len(text) > 5 * cfg.chunk_chars
    spans = [s for s in engine.analyze_one(text) if s.entity_type == "EMAIL_ADDRESS"]
    assert [(s.start, s.end) for s in spans] == expected


def test_console_entry_point_exit_code(tmp_path: Path) -> None:
    import subprocess

    res = subprocess.run([sys.executable, "-m", "audit", "pii", "scan", "-"], input=b"a\x00b",
                         capture_output=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.decode().strip() == (
        "assay: error: stdin looks binary (contains NUL bytes); pass UTF-8 text or JSON Lines")
