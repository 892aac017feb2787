"""Table definitions (the migrations create them; this module is what queries use)."""

from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Column, DateTime, Float, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text)

__all__ = ["metadata", "runs", "metrics", "findings", "monitor_quarantine", "monitor_alerts",
           "monitor_windows", "monitor_progress", "redaction_events", "pii_secrets",
           "monitor_leases", "samples"]

metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("run_id", String(64), primary_key=True),
    Column("model_name", String(256), nullable=False),
    Column("model_sha256", String(64), nullable=False),
    Column("model", JSON, nullable=False),
    Column("suites", JSON, nullable=False),
    Column("data", JSON, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("config", JSON, nullable=False),
    Column("versions", JSON, nullable=False),
    Column("host", String(256), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("status", String(32), nullable=False),
    Column("timings", JSON, nullable=False),
    Column("categories", JSON),  # suite -> "bias" | "pii" (migration 0006)
    Index("ix_runs_model_started", "model_sha256", "started_at"),
)

metrics = Table(
    "metrics", metadata,
    Column("metric_id", String(64), primary_key=True),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("suite", String(128), nullable=False),
    Column("name", String(256), nullable=False),
    Column("grp", String(256)),
    Column("value", Float),
    Column("n", Integer, nullable=False),
    Column("ci_low", Float),
    Column("ci_high", Float),
    Column("details", JSON, nullable=False),
    Index("ix_metrics_run", "run_id", "suite"),
)

findings = Table(
    "findings", metadata,
    Column("finding_id", String(64), primary_key=True),
    Column("run_id", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("suite", String(128), nullable=False),
    Column("probe", String(128), nullable=False),
    Column("case_id", String(512), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("grp", String(256)),
    Column("evidence", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("attribution", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_findings_run", "run_id"),
    Index("ix_findings_source_created", "source", "created_at"),
    Index("ix_findings_suite", "suite"),
)

# -- monitoring (migration 0002): quarantined log lines, alerts, window counts, redaction events --

monitor_quarantine = Table(
    "monitor_quarantine", metadata,
    Column("quarantine_id", String(64), primary_key=True),
    Column("monitor", String(128), nullable=False),
    Column("file", Text, nullable=False),
    Column("file_key", String(64), nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("line_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_monitor_quarantine_created", "monitor", "created_at"),
)

monitor_alerts = Table(
    "monitor_alerts", metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("monitor", String(128), nullable=False),
    Column("rule", String(256), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("window_end", DateTime(timezone=True), nullable=False),
    Column("value", Float),
    Column("threshold", Float),
    Column("n", BigInteger, nullable=False),
    Column("ci_low", Float),
    Column("ci_high", Float),
    Column("message", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_monitor_alerts_created", "monitor", "created_at"),
)

monitor_windows = Table(
    "monitor_windows", metadata,
    Column("monitor", String(128), primary_key=True),
    Column("window_start", DateTime(timezone=True), primary_key=True),
    Column("field", String(128), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("window_seconds", Integer, nullable=False),
    Column("count", BigInteger, nullable=False),
)

monitor_progress = Table(
    "monitor_progress", metadata,
    Column("monitor", String(128), primary_key=True),
    Column("file_key", String(64), primary_key=True),
    Column("offset", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

redaction_events = Table(
    "redaction_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("mode", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("n_entities", Integer, nullable=False),
    Column("entity_counts", JSON, nullable=False),
    Column("latency_ms", Float),
    Column("details", JSON, nullable=False),
    Index("ix_redaction_events_created", "created_at"),
)

# -- PII secret (migration 0003): fingerprints of the HMAC keys keyed hashes were made with -----

pii_secrets = Table(
    "pii_secrets", metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("how", String(32), nullable=False),  # "first use" or "accepted new"
)

# -- monitor leases (migration 0004): one running monitor per name ------------------------------

monitor_leases = Table(
    "monitor_leases", metadata,
    Column("monitor", String(128), primary_key=True),
    Column("holder", String(256), nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("renewed_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# -- item-level samples (migration 0005): per-case scores for paired comparison ----------------

samples = Table(
    "samples", metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("suite", String(128), primary_key=True),
    Column("case_id", String(256), primary_key=True),
    Column("grp", String(256)),
    Column("margin", Float),
    Column("data", JSON, nullable=False),
)
