"""Table definitions (the migrations create them; this module is what queries use)."""

from __future__ import annotations

from sqlalchemy import (JSON, Column, DateTime, Float, ForeignKey, Index, Integer, MetaData,
                        String, Table, Text)

__all__ = ["metadata", "runs", "metrics", "findings"]

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
