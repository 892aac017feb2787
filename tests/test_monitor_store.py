"""Monitoring tables on SQLite and PostgreSQL: a batch is idempotent, counts are guarded by the
stored progress, alerts de-duplicate, redaction events and the audited baseline read back."""

from __future__ import annotations

from datetime import UTC, datetime

from audit.store import open_store
from audit.types import (Alert, CountDelta, Finding, Metric, QuarantinedLine, RedactionEvent,
                         Run)

WS = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _batch(offsets: list[int]):
    findings = [Finding(run_id="monitor:m", source="monitor", suite="pii_monitor",
                        probe="response", case_id=f"k:{o}:response", evidence="<US_SSN>",
                        details={"offset": o}) for o in offsets]
    deltas = [CountDelta("k", o, WS, 60, "response", "records") for o in offsets]
    q = [QuarantinedLine("m", "/log", "k", o + 1, 5, "bad JSON") for o in offsets]
    return findings, deltas, q


def test_monitor_tables_round_trip(any_store_url: str) -> None:
    st = open_store(any_store_url)
    try:
        f, d, q = _batch([0, 10, 20])
        r = st.commit_monitor_batch("m", f, d, q, {"k": 30})
        assert (r.new_findings, r.new_quarantined, r.counted_records) == (3, 3, 3)
        # The same lines again (a crash before the offsets were saved) plus one new line.
        f, d, q = _batch([0, 10, 20, 30])
        r = st.commit_monitor_batch("m", f, d, q, {"k": 40})
        assert (r.new_findings, r.new_quarantined, r.counted_records) == (1, 1, 1)
        assert st.window_counts("m", WS) == {("response", "records"): 4}
        assert st.monitor_progress("m") == {"k": 40}
        assert st.count_quarantined("m") == 4 and st.count_findings(source="monitor") == 4

        a = Alert("m", "r", "rate", "high", WS, WS, 0.1, 0.05, 100, "msg", 0.05, 0.17,
                  dedupe="rate:p1")
        assert st.write_alert(a) is True
        assert st.write_alert(a) is False
        [back] = st.alerts("m")
        assert back.alert_id == a.alert_id and back.ci_high == 0.17 and back.n == 100

        ev = RedactionEvent("proxy", "/v1/chat/completions", "response", "redact", "redacted",
                            {"US_SSN": 2, "PERSON": 1}, 12.5, nonce="x")
        assert st.write_redaction_events([ev]) == 1
        [e] = st.redaction_events()
        assert e.entity_counts == {"US_SSN": 2, "PERSON": 1} and e.n_entities == 3

        run = Run(run_id="r1", model={"name": "m", "sha256": "s"}, suites=("pii_emission",))
        st.write_run(run, [Metric("r1", "pii_emission", "pii_rate", 0.02, 50),
                           Metric("r1", "pii_emission", "pii_rate", 0.5, 4, group="US_SSN")], [])
        assert st.latest_metric("pii_emission", "pii_rate").value == 0.02
        assert st.latest_metric("pii_emission", "pii_rate", "US_SSN").value == 0.5
        assert st.latest_metric("pii_emission", "nope") is None
    finally:
        st.close()
