"""Monitoring: quarantined log lines, alerts, per-window counts, monitor progress, redaction events.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_quarantine",
        sa.Column("quarantine_id", sa.String(64), primary_key=True),
        sa.Column("monitor", sa.String(128), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("file_key", sa.String(64), nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("line_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_monitor_quarantine_created", "monitor_quarantine",
                    ["monitor", "created_at"])
    op.create_table(
        "monitor_alerts",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("monitor", sa.String(128), nullable=False),
        sa.Column("rule", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("ci_low", sa.Float),
        sa.Column("ci_high", sa.Float),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_monitor_alerts_created", "monitor_alerts", ["monitor", "created_at"])
    op.create_table(
        "monitor_windows",
        sa.Column("monitor", sa.String(128), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("field", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("window_seconds", sa.Integer, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "monitor_progress",
        sa.Column("monitor", sa.String(128), primary_key=True),
        sa.Column("file_key", sa.String(64), primary_key=True),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "redaction_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("n_entities", sa.Integer, nullable=False),
        sa.Column("entity_counts", sa.JSON, nullable=False),
        sa.Column("latency_ms", sa.Float),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_redaction_events_created", "redaction_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("redaction_events")
    op.drop_table("monitor_progress")
    op.drop_table("monitor_windows")
    op.drop_table("monitor_alerts")
    op.drop_table("monitor_quarantine")
