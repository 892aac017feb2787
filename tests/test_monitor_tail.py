"""Tailing: rename-and-create and copytruncate rotation, restarts, late files, partial and
enormous lines, malformed-input mix, and re-reads that add nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from monitors.monitor import Monitor, MonitorConfig
from monitors.parse import LogFormat
from tests.test_monitor_fakes import fake_detector

SSN = "123-45-6789"


def rec(i: int) -> str:
    pii = f"my ssn is {SSN}" if i % 3 == 0 else "all good"
    return json.dumps({"id": f"r{i}", "prompt": f"q{i}", "response": pii}) + "\n"


def write(path: Path, lines: list[str], mode: str = "a") -> None:
    with open(path, mode, encoding="utf-8") as fh:
        fh.writelines(lines)
        fh.flush()


def mon(store, tmp_path: Path, pattern: str, **kw) -> Monitor:
    # Redacted evidence keeps the record's own id, which these tests follow lines by.
    cfg = MonitorConfig(paths=(pattern,), state_path=tmp_path / "state.json",
                        rotated_grace_s=kw.pop("grace", 0.0), batch_size=kw.pop("batch", 4),
                        evidence=kw.pop("evidence", "redacted"), **kw)
    return Monitor(cfg, store, fake_detector())


def ids(store) -> list[str]:
    return sorted(f.details["record_id"] for f in store.findings(source="monitor"))


def records_counted(store) -> int:
    rows = store.window_rows()
    return sum(r["count"] for r in rows if r["field"] == "*" and r["name"] == "records")


def expected_pii(n: range) -> list[str]:
    return sorted(f"r{i}" for i in n if i % 3 == 0)


def test_rename_rotation_reads_the_rest_of_the_old_file(store, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, [rec(i) for i in range(10)])
    m = mon(store, tmp_path, str(log))
    m.poll_once()
    write(log, [rec(i) for i in range(10, 14)])          # written, not yet read
    os.rename(log, tmp_path / "app.log.1")                # rotate
    write(tmp_path / "app.log.1", [rec(14)])              # late write to the old handle
    write(log, [rec(i) for i in range(15, 20)], "w")      # new file
    m.poll_once()
    assert ids(store) == expected_pii(range(20))
    assert records_counted(store) == 20


def test_rename_rotation_while_stopped(store, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, [rec(i) for i in range(6)])
    mon(store, tmp_path, str(log)).poll_once()
    write(log, [rec(i) for i in range(6, 9)])
    os.rename(log, tmp_path / "app.log.1")
    write(log, [rec(i) for i in range(9, 12)], "w")
    mon(store, tmp_path, str(log)).poll_once()            # a fresh process
    assert ids(store) == expected_pii(range(12))
    assert records_counted(store) == 12


def test_copytruncate_reads_the_unread_tail_from_the_copy(store, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, [rec(i) for i in range(10)])
    m = mon(store, tmp_path, str(log))
    m.poll_once()
    write(log, [rec(i) for i in range(10, 13)])           # unread when the copy is taken
    shutil.copyfile(log, tmp_path / "app.log.1")
    os.truncate(log, 0)
    write(log, [rec(i) for i in range(13, 16)])
    m.poll_once()
    assert ids(store) == expected_pii(range(16))
    assert records_counted(store) == 16


def test_copytruncate_same_first_line(store, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    header = json.dumps({"id": "h", "prompt": "header", "response": "x"}) + "\n"
    write(log, [header] + [rec(i) for i in range(6)])
    m = mon(store, tmp_path, str(log))
    m.poll_once()
    shutil.copyfile(log, tmp_path / "app.log.1")
    os.truncate(log, 0)
    write(log, [header, rec(99)])                         # shorter than the old offset
    m.poll_once()
    assert ids(store) == sorted(expected_pii(range(6)) + ["r99"])
    assert records_counted(store) == 7 + 2


def test_restart_and_reread_add_nothing(store, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, [rec(i) for i in range(9)] + ["garbage\n"])
    mon(store, tmp_path, str(log)).poll_once()
    n_find, n_q = store.count_findings(source="monitor"), store.count_quarantined()
    counted = records_counted(store)
    assert mon(store, tmp_path, str(log)).poll_once() == 0        # restart: nothing to read
    (tmp_path / "state.json").unlink()                            # lost offsets: re-read all
    assert mon(store, tmp_path, str(log)).poll_once() == 10
    assert store.count_findings(source="monitor") == n_find
    assert store.count_quarantined() == n_q == 1
    assert records_counted(store) == counted == 9                 # counts are not doubled


def test_files_that_appear_later_and_partial_lines(store, tmp_path: Path) -> None:
    m = mon(store, tmp_path, str(tmp_path / "logs" / "*.jsonl"))
    assert m.poll_once() == 0
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / "a.jsonl"
    line = rec(0)
    write(log, [line[:20]])                                       # half a line
    assert m.poll_once() == 0
    write(log, [line[20:], rec(3)[:5]])
    assert m.poll_once() == 1
    write(log, [rec(3)[5:]])
    write(tmp_path / "logs" / "b.jsonl", [rec(6)])
    assert m.poll_once() == 2
    assert ids(store) == ["r0", "r3", "r6"]


def test_malformed_mix_good_processed_bad_quarantined(store, tmp_path: Path) -> None:
    log = tmp_path / "mix.jsonl"
    good = [rec(i) for i in range(12)]
    bad = {
        b"{not json\n": "bad JSON",
        b'{"id": 1, "response": 42}\n': "is int",
        b'{"id": 2, "prompt": {"a": 1}}\n': "is dict",
        b"\xff\xfe\xfd\n": "invalid UTF-8",
        b'["a", "b"]\n': "JSON list",
        b'{"response": NaN}\n': "NaN",
        b'{"other": "field"}\n': "no 'prompt' or 'response' field",
        b'{"response": "' + b"a" * 5000 + b'"}\n': "longer than 2048 bytes",
        b'"just a string"\n': "JSON str",
    }
    lines = [ln.encode() for ln in good]
    for i, b in enumerate(bad):
        lines.insert(1 + i * 2, b)
    lines.insert(5, b"\n")                                        # blank: skipped, not bad
    log.write_bytes(b"".join(lines))
    m = mon(store, tmp_path, str(log), log_format=LogFormat(max_line_bytes=2048))
    m.poll_once()
    assert m.stats.records == len(good)
    assert ids(store) == expected_pii(range(12))
    q = store.quarantined()
    assert len(q) == len(bad) == m.stats.quarantined
    reasons = " | ".join(x.reason for x in q)
    for why in bad.values():
        assert why in reasons
    offsets = {x.offset for x in q}
    data = log.read_bytes()
    for b in bad:
        assert data.index(b) in offsets
    assert all("a" * 100 not in x.reason for x in q)


def test_details_record_provenance_and_redacted_evidence(store, tmp_path: Path) -> None:
    log = tmp_path / "gw.jsonl"
    body = {"meta": {"request_id": "req-7"}, "request": {"messages": [
        {"role": "user", "content": "mail me at a.b@example.com"}]},
        "response": {"choices": [{"message": {"content": f"ssn {SSN}"}}]}}
    write(log, ["\n", json.dumps(body) + "\n"])
    fmt = LogFormat(prompt_field="request.messages", response_field="response.choices.0."
                    "message.content", id_field="meta.request_id")
    mon(store, tmp_path, str(log), log_format=fmt).poll_once()
    by = {f.probe: f for f in store.findings(source="monitor")}
    assert set(by) == {"prompt", "response"}
    r = by["response"]
    assert r.details["file"] == str(log) and r.details["offset"] == 1
    assert r.details["record_id"] == "req-7"
    assert r.details["entity_types"] == ["US_SSN"] and r.severity == "high"
    assert r.evidence == "ssn <US_SSN>" and SSN not in json.dumps(r.to_dict())
    assert by["prompt"].details["entity_types"] == ["EMAIL_ADDRESS"]
    assert "a.b@example.com" not in json.dumps(by["prompt"].to_dict())


def test_text_format(store, tmp_path: Path) -> None:
    log = tmp_path / "plain.log"
    write(log, [f"answer with {SSN}\n", "clean answer\n"])
    mon(store, tmp_path, str(log), log_format=LogFormat(kind="text")).poll_once()
    [f] = store.findings(source="monitor")
    assert f.details["offset"] == 0 and f.details["record_id"] is None


def test_copytruncate_refilled_past_the_offset_between_polls(store, tmp_path: Path) -> None:
    """Truncated and refilled beyond the committed offset before the next poll, same first
    line: the bytes before the offset changed, so it is a new generation read from byte 0
    (before: the first 150 of 300 new lines were skipped without a word)."""
    log = tmp_path / "app.log"
    header = json.dumps({"id": "h", "prompt": "header", "response": "x"}) + "\n"
    write(log, [header] + [rec(i) for i in range(150)])
    m = mon(store, tmp_path, str(log), batch=50)
    m.poll_once()
    shutil.copyfile(log, tmp_path / "app.log.1")
    os.truncate(log, 0)
    write(log, [header] + [rec(i) for i in range(1000, 1300)])
    assert log.stat().st_size > m.registry.entries()[0].offset
    assert m.poll_once() == 301
    assert ids(store) == sorted(expected_pii(range(150)) + expected_pii(range(1000, 1300)))
    assert records_counted(store) == 151 + 301


def test_truncation_seen_by_size_alone(store, tmp_path: Path) -> None:
    """Identical lines (the bytes before the offset match after the refill): the file being
    shorter than at the previous poll is enough."""
    log = tmp_path / "app.log"
    same = json.dumps({"prompt": "q", "response": f"ssn {SSN}"}) + "\n"
    write(log, [same] * 10)
    m = mon(store, tmp_path, str(log), batch=50)
    assert m.poll_once() == 10
    write(log, [same] * 10)
    m.tailer.targets()                                    # a poll sees 20 lines, reads none yet
    os.truncate(log, 0)
    write(log, [same] * 15)                               # refilled past the offset, shorter
    assert m.poll_once() == 15                            # read from byte 0, not from line 10
    assert records_counted(store) == 25
