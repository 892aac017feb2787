"""Records: deterministic ids and lossless dict round trips (property-based)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from audit.types import Finding, Metric, Run, stable_id

text = st.text(max_size=40)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9),
                         st.floats(allow_nan=False, allow_infinity=False, width=32), text)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=4)
                           | st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=12)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=st.just(UTC))

findings = st.builds(
    Finding, run_id=text, source=st.sampled_from(["audit", "monitor"]), suite=text, probe=text,
    case_id=text, severity=st.sampled_from(["info", "low", "medium", "high", "critical"]),
    evidence=text, details=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    group=st.none() | text, attribution=st.none() | st.dictionaries(st.text(max_size=8), json_values,
                                                                     max_size=3),
    created_at=times)


@given(findings)
def test_finding_round_trip(f: Finding) -> None:
    back = Finding.from_dict(f.to_dict())
    assert back == f
    assert back.details == f.details and back.attribution == f.attribution
    assert back.created_at == f.created_at
    assert back.finding_id == f.finding_id


def test_finding_id_depends_only_on_identity_fields() -> None:
    a = Finding("r1", "audit", "s", "p", "c", "low", "x", details={"a": 1})
    b = Finding("r1", "audit", "s", "p", "c", "high", "y", details={"b": 2})
    c = Finding("r1", "audit", "s", "p", "c2", "low", "x")
    assert a.finding_id == b.finding_id
    assert a.finding_id != c.finding_id
    assert len(a.finding_id) == 32


def test_invalid_source_and_severity_rejected() -> None:
    import pytest

    with pytest.raises(ValueError, match="source"):
        Finding("r", "prod", "s", "p", "c")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="severity"):
        Finding("r", "audit", "s", "p", "c", severity="urgent")  # type: ignore[arg-type]


@given(st.builds(Metric, run_id=text, suite=text, name=text,
                 value=st.floats(allow_nan=False, allow_infinity=False), n=st.integers(0, 10**6),
                 ci_low=st.none() | st.floats(allow_nan=False, allow_infinity=False),
                 ci_high=st.none() | st.floats(allow_nan=False, allow_infinity=False),
                 group=st.none() | text))
def test_metric_round_trip(m: Metric) -> None:
    d = m.to_dict()
    assert Metric.from_dict(d) == m
    assert d["key"] == (f"{m.name}[{m.group}]" if m.group else m.name)
    assert d["metric_id"] == m.metric_id


@given(times, st.integers(0, 2**31), text)
def test_run_round_trip_and_id(started, seed, host) -> None:
    rid = Run.make_id("sha", "cfg", seed, started, host)
    assert rid == Run.make_id("sha", "cfg", seed, started, host)
    assert rid != Run.make_id("sha", "cfg2", seed, started, host)
    run = Run(run_id=rid, model={"name": "m", "sha256": "sha"}, suites=("a", "b"),
              data={"a": {"path": "/x", "sha256": "h"}}, seed=seed, config_hash="cfg",
              versions={"torch": "2"}, host=host, started_at=started, ended_at=started,
              timings={"a": 1.5}, config={"k": [1, 2]})
    assert Run.from_dict(run.to_dict()) == run


def test_stable_id_is_order_sensitive_and_stable() -> None:
    assert stable_id("a", 1) == stable_id("a", 1)
    assert stable_id("a", 1) != stable_id(1, "a")
    assert stable_id({"b": 1, "a": 2}) == stable_id({"a": 2, "b": 1})
