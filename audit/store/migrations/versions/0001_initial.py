"""Initial schema: runs, metrics, findings.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("model_name", sa.String(256), nullable=False),
        sa.Column("model_sha256", sa.String(64), nullable=False),
        sa.Column("model", sa.JSON, nullable=False),
        sa.Column("suites", sa.JSON, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("versions", sa.JSON, nullable=False),
        sa.Column("host", sa.String(256), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("timings", sa.JSON, nullable=False),
    )
    op.create_index("ix_runs_model_started", "runs", ["model_sha256", "started_at"])
    op.create_table(
        "metrics",
        sa.Column("metric_id", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("suite", sa.String(128), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("grp", sa.String(256)),
        sa.Column("value", sa.Float),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("ci_low", sa.Float),
        sa.Column("ci_high", sa.Float),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_metrics_run", "metrics", ["run_id", "suite"])
    op.create_table(
        "findings",
        sa.Column("finding_id", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("suite", sa.String(128), nullable=False),
        sa.Column("probe", sa.String(128), nullable=False),
        sa.Column("case_id", sa.String(512), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("grp", sa.String(256)),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("attribution", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_findings_run", "findings", ["run_id"])
    op.create_index("ix_findings_source_created", "findings", ["source", "created_at"])
    op.create_index("ix_findings_suite", "findings", ["suite"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("metrics")
    op.drop_table("runs")
